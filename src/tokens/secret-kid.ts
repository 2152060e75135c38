/**
 * @module tokens/secret-kid
 * The `kid` of the HS256 key (RFC 7515 §4.1.4), which every access token carries in the clear.
 * It used to be 64 bits of SHA-256(JWT_SECRET): a published fingerprint of the secret itself,
 * reusable wherever else that secret, or a guess at it, turns up. An HMAC keyed with the secret
 * over a fixed label (a PRF, as in RFC 5869's HKDF-Expand) names the key just as stably, and
 * says nothing about the secret without it.
 */
import { hmac } from '@oslojs/crypto/hmac'
import { SHA256 } from '@oslojs/crypto/sha2'
import { encodeHexLowerCase } from '@oslojs/encoding'

const KID_LABEL = new TextEncoder().encode('tessera hs256 kid')

/** 64 bits are plenty to tell keys apart; the kid is a name, not a check. */
export function hs256Kid(secret: Uint8Array): string {
	return `hs256-${encodeHexLowerCase(hmac(SHA256, secret, KID_LABEL)).slice(0, 16)}`
}
