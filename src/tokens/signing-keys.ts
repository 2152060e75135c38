/**
 * @module tokens/signing-keys
 * The access-token keys: generated on first start and kept in the database (asymmetric modes),
 * or derived from JWT_SECRET (HS256). Keys are imported once per (re)load, never per request.
 * The newest unretired key signs; retired keys still verify, and stay in the JWKS, until every
 * token they signed has expired (RFC 7517 key rollover).
 */
import { jwt } from '@elysiajs/jwt'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import type { AsymmetricAlgorithm, Settings, SigningAlgorithm } from '../options'
import type { Clock } from '../clock'
import type { KeyPort, SigningKeyRow } from '../store/port'
import { isSealed, KeySealer, openPrivateJwk } from './key-seal'
import { hs256Kid } from './secret-kid'

export interface AccessTokenClaims {
	sub: string
	client_id: string
	scope: string
	sid: string
	jti: string
	exp: number
}

interface VerificationKey {
	alg: SigningAlgorithm
	key: CryptoKey | Uint8Array
}

export interface PublicJwk extends JWK {
	kty: string
	kid: string
	alg: string
	use: 'sig'
}

/**
 * How long a server may go on signing with a key that another process (the CLI) has retired,
 * before its periodic reload notices: a retired key is kept this much longer than the token TTL.
 */
export const KEY_RELOAD_INTERVAL_SECONDS = 60

type Sign = (claims: AccessTokenClaims) => Promise<string>

/** A key as an operator sees it (`keys list`): no key material, public or private. */
export interface KeyInfo {
	kid: string
	alg: string
	/** `current` until a rotation retires it; a retired key still verifies until `expiresAt`. */
	state: 'current' | 'retired'
	/** When a retired key stops verifying and leaves the JWKS; null while current. */
	expiresAt: number | null
	createdAt: number
}

export class KeyStore {
	#sign: Sign = () => Promise.reject(new Error('no signing key loaded'))
	#currentKid = ''
	#verification = new Map<string, VerificationKey>()
	#jwks: { keys: PublicJwk[] } = { keys: [] }
	#algorithms: SigningAlgorithm[] = []
	/** When a token naming an unknown kid last made us reread the keys (performance.now()). */
	#lastLookup = Number.NEGATIVE_INFINITY

	private constructor(
		private readonly store: KeyPort,
		private readonly settings: Settings,
		private readonly clock: Clock,
		/** Seals private keys at rest when a key-encryption secret is set. */
		private readonly sealer: KeySealer | null
	) {}

	/**
	 * Loads the keys; on a new database creates the first one (exactly one, however many instances
	 * start). With a key-encryption secret, keys stored in the clear before it was set are sealed.
	 */
	static async open(store: KeyPort, settings: Settings, clock: Clock): Promise<KeyStore> {
		const sealer =
			settings.keyEncryptionSecret === null ? null : await KeySealer.fromSecret(settings.keyEncryptionSecret)
		const keys = new KeyStore(store, settings, clock, sealer)
		if (settings.jwtSecret === null && !(await store.current(settings.jwtAlg)))
			await store.createFirst(await keys.#generate())
		if (sealer) await keys.#sealPlainKeys(sealer)
		await keys.reload()
		return keys
	}

	/**
	 * Re-seals every stored private key under another secret (`keys reseal`): each is opened with
	 * the current secret and sealed with the new one in one atomic write. Returns how many.
	 */
	async reseal(newSecret: string): Promise<number> {
		const next = await KeySealer.fromSecret(newSecret)
		// Expired keys are never opened again; they go rather than stay under the old secret.
		await this.store.prune(this.clock())
		const resealed = new Map<string, string>()
		for (const row of await this.store.list(this.clock()))
			resealed.set(row.kid, await next.seal(row.kid, await openPrivateJwk(row.kid, row.privateJwk, this.sealer)))
		return this.store.reseal(resealed)
	}

	async #sealPlainKeys(sealer: KeySealer): Promise<void> {
		const plain = (await this.store.list(this.clock())).filter((row) => !isSealed(row.privateJwk))
		if (plain.length === 0) return
		const sealed = new Map<string, string>()
		for (const row of plain) sealed.set(row.kid, await sealer.seal(row.kid, row.privateJwk))
		await this.store.reseal(sealed)
	}

	get currentKid() {
		return this.#currentKid
	}

	/** Algorithms of the keys that may verify: the allow-list handed to jose (RFC 8725 §3.1). */
	get algorithms(): readonly SigningAlgorithm[] {
		return this.#algorithms
	}

	jwks(): { keys: PublicJwk[] } {
		return this.#jwks
	}

	sign(claims: AccessTokenClaims): Promise<string> {
		return this.#sign(claims)
	}

	/** Whether `kid` still verifies: a retired key leaves once its tokens have expired, or when removed early. */
	verifies(kid: string): boolean {
		return this.#verification.has(kid)
	}

	/** The key a token names by `kid`, provided it is used with its one algorithm (RFC 8725 §3.1). */
	async verificationKey(
		kid: string | undefined,
		alg: string | undefined
	): Promise<CryptoKey | Uint8Array | null> {
		if (kid === undefined) return null
		let entry = this.#verification.get(kid)
		// Another process may have rotated; look again, at most once a second so bogus kids cannot
		// hammer the db. Timed apart from the periodic reload: one that ran just before the rotation
		// committed must not stop the first token of the new key from being looked up.
		if (!entry && performance.now() - this.#lastLookup >= 1000) {
			this.#lastLookup = performance.now()
			await this.reload()
			entry = this.#verification.get(kid)
		}
		return entry && entry.alg === alg ? entry.key : null
	}

	/** Makes a new key current and retires the others; they verify until their tokens have expired. */
	async rotate(): Promise<string> {
		if (this.settings.jwtSecret !== null)
			throw new Error('keys cannot be rotated in HS256 mode (JWT_SECRET is set)')
		const key = await this.#generate()
		await this.store.rotate(key, key.createdAt + this.settings.accessTokenTtlSeconds + KEY_RELOAD_INTERVAL_SECONDS)
		await this.reload()
		return key.kid
	}

	/** Reads the keys from the store and imports them; cheap enough to run every minute. */
	async reload(): Promise<void> {
		if (this.settings.jwtSecret !== null) return this.#loadSecret(this.settings.jwtSecret)
		const rows = await this.store.list(this.clock())
		const verification = new Map<string, VerificationKey>()
		for (const row of rows)
			verification.set(row.kid, {
				alg: row.alg as SigningAlgorithm,
				key: (await importJWK(JSON.parse(row.publicJwk), row.alg)) as CryptoKey
			})
		const current = rows.find((row) => row.retiredAt === null && row.alg === this.settings.jwtAlg)
		if (!current) throw new Error(`no current ${this.settings.jwtAlg} signing key`)
		const privateJwk = await openPrivateJwk(current.kid, current.privateJwk, this.sealer)
		const privateKey = (await importJWK(JSON.parse(privateJwk), current.alg)) as CryptoKey
		this.#useSigner(current.kid, current.alg as SigningAlgorithm, privateKey)
		this.#verification = verification
		this.#jwks = { keys: rows.map((row) => JSON.parse(row.publicJwk) as PublicJwk) }
		this.#algorithms = [...new Set(rows.map((row) => row.alg as SigningAlgorithm))]
	}

	/** The stored keys that still verify, newest first, read from the store (another process may have rotated). */
	async list(): Promise<KeyInfo[]> {
		const keys = (await this.store.list(this.clock())).map(
			({ kid, alg, retiredAt, expiresAt, createdAt }): KeyInfo => ({
				kid,
				alg,
				state: retiredAt === null ? 'current' : 'retired',
				expiresAt,
				createdAt
			})
		)
		// Times are whole seconds, so keys made in one second tie: the current one first, then the one
		// retired last (the newer).
		const rank = (key: KeyInfo) => (key.state === 'current' ? Infinity : key.expiresAt!)
		return keys.sort((a, b) => b.createdAt - a.createdAt || rank(b) - rank(a))
	}

	/** Deletes retired keys whose last token has expired. */
	prune(now = this.clock()): Promise<number> {
		return this.store.prune(now)
	}

	async #generate(): Promise<SigningKeyRow> {
		const alg = this.settings.jwtAlg as AsymmetricAlgorithm
		const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
		const [publicJwk, privateJwk] = await Promise.all([exportJWK(publicKey), exportJWK(privateKey)])
		const kid = await calculateJwkThumbprint(publicJwk)
		return {
			kid,
			alg,
			privateJwk: this.sealer
				? await this.sealer.seal(kid, JSON.stringify(privateJwk))
				: JSON.stringify(privateJwk),
			publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
			createdAt: this.clock(),
			retiredAt: null,
			expiresAt: null
		}
	}

	#loadSecret(secret: string) {
		const key = new TextEncoder().encode(secret)
		const kid = hs256Kid(key)
		this.#useSigner(kid, 'HS256', key)
		this.#verification = new Map([[kid, { alg: 'HS256', key }]])
		this.#jwks = { keys: [] } // a shared secret is never published
		this.#algorithms = ['HS256']
	}

	/** @elysiajs/jwt fixes `kid` and `typ` per instance, so one signer is built per current key. */
	#useSigner(kid: string, alg: SigningAlgorithm, key: CryptoKey | Uint8Array) {
		const signer = jwt({
			name: 'accessJwt',
			secret: key,
			alg,
			kid,
			typ: 'at+jwt', // RFC 9068 §2.1
			iss: this.settings.issuer,
			aud: this.settings.audience
		}).decorator.accessJwt
		this.#sign = (claims) => signer.sign({ ...claims })
		this.#currentKid = kid
	}
}
