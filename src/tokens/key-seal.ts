/**
 * @module tokens/key-seal
 * Private signing keys sealed at rest (as Ory Hydra does with its system secret): AES-256-GCM under
 * a key derived from a secret in the environment with HKDF-SHA256, the key id as associated data
 * so a sealed key cannot be moved to another row. Whoever can read the database (on PostgreSQL,
 * any role with SELECT on the table) learns nothing without the secret.
 *
 *     sealed:v1:<base64url 96-bit IV>.<base64url ciphertext and tag>
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'

const PREFIX = 'sealed:v1:'
const INFO = new TextEncoder().encode('tessera signing-key seal v1')

export class SealError extends Error {}

export const isSealed = (stored: string) => stored.startsWith(PREFIX)

export class KeySealer {
	private constructor(readonly key: CryptoKey) {}

	/** The secret is at least 32 bytes of the operator's choosing; HKDF makes it an AES key. */
	static async fromSecret(secret: string): Promise<KeySealer> {
		const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, [
			'deriveKey'
		])
		const key = await crypto.subtle.deriveKey(
			{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: INFO },
			material,
			{ name: 'AES-GCM', length: 256 },
			false,
			['encrypt', 'decrypt']
		)
		return new KeySealer(key)
	}

	async seal(kid: string, privateJwk: string): Promise<string> {
		const iv = crypto.getRandomValues(new Uint8Array(12))
		const sealed = await crypto.subtle.encrypt(
			{ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(kid) },
			this.key,
			new TextEncoder().encode(privateJwk)
		)
		return `${PREFIX}${encodeBase64urlNoPadding(iv)}.${encodeBase64urlNoPadding(new Uint8Array(sealed))}`
	}

	async open(kid: string, stored: string): Promise<string> {
		const [iv, sealed] = stored.slice(PREFIX.length).split('.')
		try {
			const plain = await crypto.subtle.decrypt(
				{
					name: 'AES-GCM',
					iv: new Uint8Array(decodeBase64urlIgnorePadding(iv!)),
					additionalData: new TextEncoder().encode(kid)
				},
				this.key,
				new Uint8Array(decodeBase64urlIgnorePadding(sealed!))
			)
			return new TextDecoder().decode(plain)
		} catch {
			throw new SealError(`signing key ${kid} does not open with this key-encryption secret`)
		}
	}
}

/**
 * The private JWK a stored value holds: sealed ones need the sealer, plain ones (written before a
 * secret was set) are read as they are and sealed at the next start.
 */
export async function openPrivateJwk(kid: string, stored: string, sealer: KeySealer | null): Promise<string> {
	if (!isSealed(stored)) return stored
	if (!sealer) throw new SealError('the signing keys are sealed: set KEY_ENCRYPTION_SECRET to open them')
	return sealer.open(kid, stored)
}
