/**
 * @module tokens/access-token
 * Verification of RFC 9068 access tokens. `@elysiajs/jwt`'s own verify checks none of alg, iss,
 * aud or typ and hides every reason behind `false`, so verification is jose's `jwtVerify` with
 * everything pinned (RFC 8725 §3.1, §3.8–3.11; RFC 9068 §4). Any failure is InvalidToken.
 */
import { jwtVerify, type JWTHeaderParameters } from 'jose'
import type { Config } from '../config'
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

export class AccessTokenVerifier {
	constructor(
		private readonly keys: KeyStore,
		private readonly config: Config
	) {}

	async verify(token: string): Promise<VerifiedAccessToken> {
		if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw new InvalidToken('token too long')
		if (!isCanonical(token)) throw new InvalidToken('not a canonical JWS compact serialization')
		try {
			const { payload } = await jwtVerify(
				token,
				// Keys come only from our own store: `jku`, `x5u` and `jwk` headers are never followed (RFC 8725 §3.10).
				async (header: JWTHeaderParameters) => {
					const key = await this.keys.verificationKey(header.kid, header.alg)
					if (!key) throw new Error('unknown kid or wrong algorithm for it')
					return key
				},
				{
					algorithms: [...this.keys.algorithms],
					issuer: this.config.issuer,
					audience: this.config.audience,
					typ: 'at+jwt',
					requiredClaims: REQUIRED_CLAIMS
				}
			)
			for (const claim of ['sub', 'client_id', 'sid', 'scope', 'jti'] as const)
				if (typeof payload[claim] !== 'string') throw new Error(`claim ${claim} is not a string`)
			return payload as unknown as VerifiedAccessToken
		} catch (error) {
			throw new InvalidToken(error instanceof Error ? error.message : 'verification failed')
		}
	}
}
