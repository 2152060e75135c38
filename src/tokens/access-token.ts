/**
 * @module tokens/access-token
 * Verification of RFC 9068 access tokens. `@elysiajs/jwt`'s own verify checks none of alg, iss,
 * aud or typ and hides every reason behind `false`, so verification is jose's `jwtVerify` with
 * everything pinned (RFC 8725 §3.1, §3.8–3.11; RFC 9068 §4). Any failure is InvalidToken.
 *
 * A token's signature and claims never change, so a verified token's claims are kept, keyed by
 * the whole token, until its `exp` and while the key that verified it is still in the KeyStore:
 * a client presenting the same token again costs two Map lookups, not a signature check. Only
 * what the token itself proves is cached; whether its session still lives is the
 * Authenticator's question, asked on every request.
 */
import { jwtVerify, type JWTHeaderParameters } from 'jose'
import type { Settings } from '../options'
import type { Clock } from '../clock'
import { InvalidToken } from '../errors'
import type { AccessTokenClaims, KeyStore } from './signing-keys'

/** RFC 9068 §2.2 plus our `sid` and `scope`: a token lacking any of them is not ours. */
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'sid', 'scope']

/** What a verified token holds: what was signed, plus the claims the signer added. */
export interface VerifiedAccessToken extends AccessTokenClaims {
	iat: number
}

/** Size bound on a presented token: ours are well under 2 KiB. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096

/** RFC 7515 §7.1: three base64url segments; §2: trailing '=' omitted. */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Base64url has one spelling per byte string, but jose's decoder forgives padding and non-zero
 * trailing bits: `token==`, or 15 other last characters, would pass as the same token. Header
 * and payload are signed as presented; only the signature needs the check.
 */
function isCanonical(token: string): boolean {
	if (!JWS_COMPACT.test(token)) return false
	const signature = token.slice(token.lastIndexOf('.') + 1)
	return Buffer.from(signature, 'base64url').toString('base64url') === signature
}

/** Verified tokens kept at once by default (see README, "Many live tokens", for bytes per entry). */
export const VERIFIED_CACHE_SIZE = 65_536

interface Verified {
	claims: Readonly<VerifiedAccessToken>
	/** The key that verified the signature. */
	kid: string
}

export class AccessTokenVerifier {
	/** Insertion-ordered, so the first key is the oldest entry: the one evicted when full. */
	readonly #verified = new Map<string, Verified>()

	constructor(
		private readonly keys: KeyStore,
		private readonly settings: Settings,
		private readonly clock: Clock,
		private readonly capacity = VERIFIED_CACHE_SIZE
	) {}

	/** The claims of a token verified before, while they still hold; synchronous, for the hot path. */
	cached(token: string): Readonly<VerifiedAccessToken> | undefined {
		const cached = this.#verified.get(token)
		if (cached === undefined) return undefined
		// jose's rule (RFC 7519 §4.1.4): expired once `exp` <= now. Then, or once its key is gone,
		// the token is verified afresh (and fails).
		if (cached.claims.exp > this.clock() && this.keys.verifies(cached.kid)) return cached.claims
		this.#verified.delete(token)
		return undefined
	}

	async verify(token: string): Promise<Readonly<VerifiedAccessToken>> {
		if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw new InvalidToken('token too long')
		const cached = this.cached(token)
		if (cached !== undefined) return cached
		const verified = await this.#verifySignatureAndClaims(token)
		if (this.#verified.size >= this.capacity)
			this.#verified.delete(this.#verified.keys().next().value!)
		this.#verified.set(token, verified)
		return verified.claims
	}

	/** A cache miss. The cache is keyed by the exact string, so another spelling of a cached token lands here. */
	async #verifySignatureAndClaims(token: string): Promise<Verified> {
		if (!isCanonical(token)) throw new InvalidToken('not a canonical JWS compact serialization')
		try {
			const { payload, protectedHeader } = await jwtVerify(
				token,
				// Keys come only from our own store: `jku`, `x5u` and `jwk` headers are never followed (RFC 8725 §3.10).
				async (header: JWTHeaderParameters) => {
					const key = await this.keys.verificationKey(header.kid, header.alg)
					if (!key) throw new Error('unknown kid or wrong algorithm for it')
					return key
				},
				{
					algorithms: [...this.keys.algorithms],
					issuer: this.settings.issuer,
					audience: this.settings.audience,
					typ: 'at+jwt',
					currentDate: new Date(this.clock() * 1000),
					requiredClaims: REQUIRED_CLAIMS
				}
			)
			for (const claim of ['sub', 'client_id', 'sid', 'scope', 'jti'] as const)
				if (typeof payload[claim] !== 'string') throw new Error(`claim ${claim} is not a string`)
			// verificationKey() found a key by this kid, so it is a string.
			return {
				claims: Object.freeze(payload as unknown as VerifiedAccessToken),
				kid: protectedHeader.kid!
			}
		} catch (error) {
			throw new InvalidToken(error instanceof Error ? error.message : 'verification failed')
		}
	}
}
