/**
 * @module tokens/opaque
 * Opaque secrets (refresh tokens, client secrets): 256 random bits out, SHA-256 at rest.
 * SHA-256 suffices because the secrets are random, not human-chosen (The Copenhagen Book).
 */
import { sha256 } from '@oslojs/crypto/sha2'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { decodeHex, encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'

const encoder = new TextEncoder()

/** RFC 6749 §10.10: guessing probability ≤ 2^-160; we use 256 bits. */
export function generateSecret(): string {
	return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(32)))
}

export function hashSecret(secret: string): string {
	return encodeHexLowerCase(sha256(encoder.encode(secret)))
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
	try {
		return constantTimeEqual(sha256(encoder.encode(secret)), decodeHex(storedHash))
	} catch {
		return false
	}
}

/** An id that is not a secret (sessions): 128 random bits. */
export function generateId(): string {
	return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(16)))
}
