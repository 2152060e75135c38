/**
 * @module oauth/credentials
 * Parsers for the Authorization header: HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617)
 * and Bearer tokens (RFC 6750 §2.1). Schemes are case-insensitive (RFC 9110 §11.1).
 */
import { InvalidBearerRequest, InvalidClient } from '../errors'

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i
const SCHEME = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: |$)/

export const schemeOf = (authorization: string) => SCHEME.exec(authorization)?.[1]?.toLowerCase()

/**
 * The bearer token of an Authorization header: null when there is none (or another scheme),
 * InvalidBearerRequest when the Bearer credentials break the token68 syntax (§3.1).
 */
export function parseBearer(authorization: string | undefined): string | null {
	if (authorization === undefined || schemeOf(authorization) !== 'bearer') return null
	const match = BEARER.exec(authorization)
	if (!match) throw new InvalidBearerRequest()
	return match[1]!
}

export interface BasicCredentials {
	clientId: string
	clientSecret: string
}

/**
 * HTTP Basic client credentials. §2.3.1: id and secret are form-urlencoded before Base64, so
 * both are form-decoded after. Null when the header is absent or not Basic.
 */
export function parseBasic(authorization: string | undefined): BasicCredentials | null {
	if (authorization === undefined || schemeOf(authorization) !== 'basic') return null
	const match = BASIC.exec(authorization)
	if (!match) throw new InvalidClient(true, 'malformed Basic credentials')
	const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
	const colon = decoded.indexOf(':')
	if (colon === -1) throw new InvalidClient(true, 'Basic credentials without a colon')
	try {
		return {
			clientId: formDecode(decoded.slice(0, colon)),
			clientSecret: formDecode(decoded.slice(colon + 1))
		}
	} catch {
		throw new InvalidClient(true, 'malformed encoding in Basic credentials')
	}
}

const formDecode = (value: string) => decodeURIComponent(value.replaceAll('+', ' '))
