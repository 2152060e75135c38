/**
 * Attacks on access tokens (RFC 8725 §2–3, RFC 9068 §4, RFC 6750 §3.1). Tokens are forged with
 * jose; each must be refused by a protected route with 401 invalid_token and the Bearer
 * challenge. A forged token that copies a real one and is signed with our own key is accepted
 * (the control), so every refusal below is the attack's doing and not the forging's.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import {
	base64url,
	CompactSign,
	decodeJwt,
	exportJWK,
	FlattenedSign,
	exportSPKI,
	generateKeyPair,
	importJWK,
	SignJWT,
	type CryptoKey,
	type JWK,
	type JWTHeaderParameters,
	type JWTPayload
} from 'jose'
import { systemClock as nowSeconds } from '../../src/clock'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { bearer, login } from '../helpers/http'

const CHALLENGE =
	'Bearer realm="tessera", error="invalid_token", error_description="The access token is invalid, expired or revoked"'

async function expectInvalidToken({ request }: TestApp, token: string) {
	const response = await request('/users/me', bearer(token))
	expect({ status: response.status, body: await response.json() }).toEqual({
		status: 401,
		body: { error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked' }
	})
	expect(response.headers.get('www-authenticate')).toBe(CHALLENGE)
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
/** A JWS compact serialization with any header and signature bytes, as an attacker writes one. */
const compact = (header: object, payload: object, signature = '') =>
	`${encode(header)}.${encode(payload)}.${signature}`

const sign = (header: JWTHeaderParameters, payload: JWTPayload, key: CryptoKey | Uint8Array) =>
	new SignJWT(payload).setProtectedHeader(header).sign(key)

/** A local server that would hand out the attacker's keys, counting every request it gets. */
function keyServer(jwks: { keys: JWK[] }) {
	let hits = 0
	const server = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch() {
			hits++
			return Response.json(jwks)
		}
	})
	return { url: `http://127.0.0.1:${server.port}`, hits: () => hits, stop: () => server.stop(true) }
}

interface Context {
	app: TestApp
	/** The claims and header of a real token, and our private key: what a forger would copy. */
	claims: JWTPayload & { exp: number; iat: number }
	header: JWTHeaderParameters & { kid: string }
	ourKey: CryptoKey
	ourPrivateJwk: JWK
	ourPublicJwk: JWK
	ourPublicPem: string
	attackerKey: CryptoKey
	attackerJwk: JWK & { kid: string }
	valid: string
	refreshToken: string
	keys: ReturnType<typeof keyServer>
}

type Attack = [name: string, forge: (c: Context) => Promise<string> | string]

const now = () => nowSeconds()
const withClaims = (c: Context, changes: JWTPayload) => sign(c.header, { ...c.claims, ...changes }, c.ourKey)
const withHeader = (c: Context, changes: Partial<JWTHeaderParameters>) =>
	sign({ ...c.header, ...changes } as JWTHeaderParameters, c.claims, c.ourKey)
const withoutClaim = (c: Context, name: string) => {
	const { [name]: _, ...rest } = c.claims
	return sign(c.header, rest, c.ourKey)
}
const segments = (token: string) => token.split('.') as [string, string, string]

const ATTACKS: Attack[] = [
	// RFC 8725 §2.1, §3.1: the "none" algorithm, in any spelling
	...['none', 'None', 'NONE', 'nOnE'].map((alg): Attack => [
		`alg "${alg}" without a signature`,
		(c) => compact({ ...c.header, alg }, c.claims)
	]),
	[
		'alg "none" with the real signature kept',
		(c) => `${encode({ ...c.header, alg: 'none' })}.${segments(c.valid)[1]}.${segments(c.valid)[2]}`
	],
	// RFC 8725 §2.1, §3.1: algorithm confusion, HMAC keyed with the public key
	[
		'HS256 keyed with the RSA public key (PEM)',
		(c) => sign({ ...c.header, alg: 'HS256' }, c.claims, new TextEncoder().encode(c.ourPublicPem))
	],
	[
		'HS256 keyed with the RSA public key (JWK JSON from the JWKS)',
		(c) =>
			sign(
				{ ...c.header, alg: 'HS256' },
				c.claims,
				new TextEncoder().encode(JSON.stringify(c.ourPublicJwk))
			)
	],
	[
		'HS256 keyed with the RSA modulus',
		(c) => sign({ ...c.header, alg: 'HS256' }, c.claims, base64url.decode(c.ourPublicJwk.n!))
	],
	[
		'HS512 keyed with the RSA public key (PEM)',
		(c) => sign({ ...c.header, alg: 'HS512' }, c.claims, new TextEncoder().encode(c.ourPublicPem))
	],
	// RFC 8725 §3.1: only the key's own algorithm
	[
		'PS256 signed with our own RSA key (not the key’s algorithm)',
		async (c) =>
			sign(
				{ ...c.header, alg: 'PS256' },
				c.claims,
				(await importJWK(c.ourPrivateJwk, 'PS256')) as CryptoKey
			)
	],
	[
		'ES256 signed by a foreign key, naming our kid',
		async (c) =>
			sign({ ...c.header, alg: 'ES256' }, c.claims, (await generateKeyPair('ES256')).privateKey)
	],
	['RS256 signed by a foreign key, naming our kid', (c) => sign(c.header, c.claims, c.attackerKey)],
	// Tampering: the signature no longer covers what is presented
	[
		'payload tampered: scope raised to admin',
		(c) => {
			const [h, , s] = segments(c.valid)
			return `${h}.${encode({ ...c.claims, scope: 'profile posts:read posts:write admin' })}.${s}`
		}
	],
	[
		'payload tampered: sub of another user',
		(c) => {
			const [h, , s] = segments(c.valid)
			return `${h}.${encode({ ...c.claims, sub: '3' })}.${s}`
		}
	],
	[
		'payload tampered: exp extended by a year',
		(c) => {
			const [h, , s] = segments(c.valid)
			return `${h}.${encode({ ...c.claims, exp: c.claims.exp + 31_536_000 })}.${s}`
		}
	],
	[
		'header tampered: kid dropped, signature kept',
		(c) => {
			const [, p, s] = segments(c.valid)
			const { kid: _, ...header } = c.header
			return `${encode(header)}.${p}.${s}`
		}
	],
	[
		'signature of another valid token',
		async (c) => {
			const other = await withClaims(c, { jti: 'another' })
			return `${segments(c.valid)[0]}.${segments(c.valid)[1]}.${segments(other)[2]}`
		}
	],
	// RFC 9068 §4, RFC 8725 §3.11: explicit typing
	['typ "JWT" (a plain JWT, e.g. an ID token)', (c) => withHeader(c, { typ: 'JWT' })],
	[
		'no typ at all',
		(c) => {
			const { typ: _, ...header } = c.header
			return sign(header as JWTHeaderParameters, c.claims, c.ourKey)
		}
	],
	['typ "rt+jwt"', (c) => withHeader(c, { typ: 'rt+jwt' })],
	['the refresh token presented as a bearer token', (c) => c.refreshToken],
	['an opaque string shaped like a refresh token', () => 'a'.repeat(52)],
	// RFC 9068 §4, RFC 8725 §3.8–3.9: issuer and audience
	['iss of another server', (c) => withClaims(c, { iss: 'https://evil.example' })],
	['iss with a trailing slash', (c) => withClaims(c, { iss: `${c.claims.iss}/` })],
	['aud of another resource', (c) => withClaims(c, { aud: 'https://api.other.example' })],
	['aud as a list without ours', (c) => withClaims(c, { aud: ['https://a.example', 'https://b.example'] })],
	// RFC 7519 §4.1.4–4.1.5: time
	['expired one second ago', (c) => withClaims(c, { exp: now() - 1, iat: now() - 901 })],
	['expired an hour ago', (c) => withClaims(c, { exp: now() - 3600, iat: now() - 4500 })],
	['nbf a minute in the future', (c) => withClaims(c, { nbf: now() + 60 })],
	// RFC 9068 §2.2: required claims
	...['exp', 'iat', 'iss', 'aud', 'sub', 'jti', 'client_id', 'sid', 'scope'].map((claim): Attack => [
		`claim ${claim} missing`,
		(c) => withoutClaim(c, claim)
	]),
	['claim exp not a number', (c) => withClaims(c, { exp: String(c.claims.exp) as never })],
	['claim sid not a string', (c) => withClaims(c, { sid: 42 })],
	// Keys: unknown kids and tricks on the lookup
	['an unknown kid', (c) => withHeader(c, { kid: 'no-such-key' })],
	[
		'kid path traversal, HMAC with an empty key (the /dev/null trick)',
		(c) =>
			sign(
				{ ...c.header, alg: 'HS256', kid: '../../../../../../dev/null' },
				c.claims,
				new Uint8Array(1)
			)
	],
	['kid path traversal, signed with our key', (c) => withHeader(c, { kid: `../${c.header.kid}` })],
	['kid SQL injection, signed with our key', (c) => withHeader(c, { kid: "x' OR '1'='1" })],
	[
		'kid SQL injection with a comment, signed with our key',
		(c) => withHeader(c, { kid: `${c.header.kid}' --` })
	],
	['kid as a number', (c) => withHeader(c, { kid: 1 as never })],
	['kid as an object', (c) => withHeader(c, { kid: { $ne: null } as never })],
	['kid naming a prototype property', (c) => withHeader(c, { kid: '__proto__' })],
	// RFC 8725 §3.10: keys named by the token itself are never trusted, never fetched
	[
		'jwk header with the attacker’s key',
		(c) => sign({ ...c.header, kid: c.attackerJwk.kid, jwk: c.attackerJwk }, c.claims, c.attackerKey)
	],
	[
		'jwk header with the attacker’s key, naming our kid',
		(c) => sign({ ...c.header, jwk: c.attackerJwk }, c.claims, c.attackerKey)
	],
	[
		'jku header pointing at the attacker’s JWKS',
		(c) => sign({ ...c.header, kid: c.attackerJwk.kid, jku: c.keys.url }, c.claims, c.attackerKey)
	],
	[
		'x5u header pointing at the attacker’s server',
		(c) =>
			sign(
				{ ...c.header, kid: c.attackerJwk.kid, x5u: `${c.keys.url}/cert.pem` },
				c.claims,
				c.attackerKey
			)
	],
	[
		'crit header naming an unknown extension',
		(c) =>
			new CompactSign(new TextEncoder().encode(JSON.stringify(c.claims)))
				.setProtectedHeader({ ...c.header, crit: ['urn:example:ext'], 'urn:example:ext': true })
				.sign(c.ourKey, { crit: { 'urn:example:ext': true } })
	],
	[
		'b64=false (unencoded payload)',
		async (c) => {
			const jws = await new FlattenedSign(new TextEncoder().encode(encode(c.claims)))
				.setProtectedHeader({ ...c.header, b64: false, crit: ['b64'] })
				.sign(c.ourKey)
			return `${jws.protected}.${jws.payload}.${jws.signature}`
		}
	],
	// Shape: truncated, padded, extended
	['signature truncated by one character', (c) => c.valid.slice(0, -1)],
	['signature removed, dot kept', (c) => c.valid.slice(0, c.valid.lastIndexOf('.') + 1)],
	['two segments only', (c) => c.valid.slice(0, c.valid.lastIndexOf('.'))],
	['the header alone', (c) => segments(c.valid)[0]],
	[
		'payload truncated',
		(c) => {
			const [h, p, s] = segments(c.valid)
			return `${h}.${p.slice(0, -4)}.${s}`
		}
	],
	[
		'signature’s last character swapped for a non-canonical twin (same bytes)',
		(c) => {
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
			// An RS256 signature is 342 characters: the last one carries 4 unused bits.
			const twin = alphabet[alphabet.indexOf(c.valid.at(-1)!) ^ 1]
			return c.valid.slice(0, -1) + twin
		}
	],
	['padded with "="', (c) => `${c.valid}=`],
	['padded with "=="', (c) => `${c.valid}==`],
	[
		'signature in standard base64 (+ and /) instead of base64url',
		(c) => {
			const [h, p, s] = segments(c.valid)
			return `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64').replace(/=+$/, '')}`
		}
	],
	['a fourth segment appended', (c) => `${c.valid}.${segments(c.valid)[2]}`],
	['five segments (JWE-shaped)', (c) => `${c.valid}.a.b`],
	['dots only', () => '..'],
	[
		'a duplicate payload segment',
		(c) => `${segments(c.valid)[0]}.${segments(c.valid)[1]}.${segments(c.valid)[1]}`
	],
	// Defence in depth: a token our key signed must still agree with the session it names
	['sub of another user than the session’s (as if our key had leaked)', (c) => withClaims(c, { sub: '3' })],
	['client_id other than the session’s', (c) => withClaims(c, { client_id: 'demo-app' })],
	['sid of no session', (c) => withClaims(c, { sid: 'no-such-session' })]
]

describe('JWT attack suite (RFC 8725, RFC 9068 §4): every forged token → 401 invalid_token', () => {
	const c = {} as Context

	beforeAll(async () => {
		c.app = await createTestApp()
		const tokens = await login(c.app.request)
		c.valid = tokens.access_token
		c.refreshToken = tokens.refresh_token!
		c.claims = decodeJwt(c.valid) as Context['claims']
		const kid = c.app.tessera.keys.currentKid
		c.header = { alg: 'RS256', typ: 'at+jwt', kid }
		const row = (await databaseOf(c.app.tessera).get<{ private_jwk: string; public_jwk: string }>(
			sql`SELECT private_jwk, public_jwk FROM tessera_signing_keys WHERE kid = ${kid}`
		))!
		c.ourPrivateJwk = JSON.parse(row.private_jwk)
		c.ourKey = (await importJWK(c.ourPrivateJwk, 'RS256')) as CryptoKey
		c.ourPublicJwk = JSON.parse(row.public_jwk)
		c.ourPublicPem = await exportSPKI(
			(await importJWK(c.ourPublicJwk, 'RS256', { extractable: true })) as CryptoKey
		)
		const attacker = await generateKeyPair('RS256', { extractable: true })
		c.attackerKey = attacker.privateKey
		const attackerJwk = await exportJWK(attacker.publicKey)
		c.attackerJwk = {
			...attackerJwk,
			alg: 'RS256',
			use: 'sig',
			kid: createHash('sha256').update(attackerJwk.n!).digest('base64url')
		}
		c.keys = keyServer({ keys: [c.attackerJwk] })
	})
	afterAll(() => c.keys.stop())

	test('control: the real token, and a copy of it signed with our key, are accepted', async () => {
		for (const token of [c.valid, await sign(c.header, c.claims, c.ourKey)]) {
			const response = await c.app.request('/users/me', bearer(token))
			expect(response.status).toBe(200)
		}
	})

	test.each(ATTACKS)('attack: %s → 401 invalid_token', async (_name, forge) => {
		await expectInvalidToken(c.app, await forge(c))
	})

	test('RFC 8725 §3.10: no attack made the server fetch a key (jku / x5u / jwk are never followed)', async () => {
		// A token signed with our own key and carrying jku/x5u is judged by our key alone.
		const decorated = await sign({ ...c.header, jku: c.keys.url, x5u: c.keys.url }, c.claims, c.ourKey)
		expect((await c.app.request('/users/me', bearer(decorated))).status).toBe(200)
		expect(c.keys.hits()).toBe(0)
	})

	test(`the suite tries ${ATTACKS.length} attacks`, () => {
		expect(new Set(ATTACKS.map(([name]) => name)).size).toBe(ATTACKS.length)
	})
})

describe('JWT attacks on key rotation (RFC 7517 rollover)', () => {
	test('RFC 8725 §3.1: a token signed by a retired key whose tokens have all expired → 401 invalid_token', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		const oldKid = app.tessera.keys.currentKid
		const { private_jwk } = (await databaseOf(app.tessera).get<{ private_jwk: string }>(
			sql`SELECT private_jwk FROM tessera_signing_keys WHERE kid = ${oldKid}`
		))!
		const oldKey = (await importJWK(JSON.parse(private_jwk), 'RS256')) as CryptoKey
		await app.tessera.keys.rotate()
		// Retired, but still within its tokens' lifetime: still accepted.
		expect((await app.request('/users/me', bearer(tokens.access_token))).status).toBe(200)
		// The retirement window has passed: whoever holds the old private key must no longer mint tokens.
		await databaseOf(app.tessera).run(
			sql`UPDATE tessera_signing_keys SET expires_at = ${now() - 1} WHERE kid = ${oldKid}`
		)
		await app.tessera.keys.reload()
		const fresh = await sign(
			{ alg: 'RS256', typ: 'at+jwt', kid: oldKid },
			{
				...decodeJwt(tokens.access_token),
				iat: now(),
				exp: now() + 900,
				jti: 'minted-after-retirement'
			},
			oldKey
		)
		await expectInvalidToken(app, fresh)
		await expectInvalidToken(app, tokens.access_token)
	})

	test('RFC 8725 §3.1: a token naming the new kid but signed with the retired key → 401 invalid_token', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		const oldKid = app.tessera.keys.currentKid
		const { private_jwk } = (await databaseOf(app.tessera).get<{ private_jwk: string }>(
			sql`SELECT private_jwk FROM tessera_signing_keys WHERE kid = ${oldKid}`
		))!
		const newKid = await app.tessera.keys.rotate()
		const forged = await sign(
			{ alg: 'RS256', typ: 'at+jwt', kid: newKid },
			decodeJwt(tokens.access_token),
			(await importJWK(JSON.parse(private_jwk), 'RS256')) as CryptoKey
		)
		await expectInvalidToken(app, forged)
	})
})

describe('JWT attacks in HS256 mode (JWT_SECRET)', () => {
	const SECRET = 'an-hs256-secret-that-is-long-enough-for-rfc-7518'

	test.each([
		[
			'alg none',
			(kid: string, claims: JWTPayload) => compact({ alg: 'none', typ: 'at+jwt', kid }, claims)
		],
		[
			'HS384 with the same secret (not on the allow-list)',
			(kid: string, claims: JWTPayload) =>
				sign({ alg: 'HS384', typ: 'at+jwt', kid }, claims, new TextEncoder().encode(SECRET))
		],
		[
			'HS256 with another secret',
			(kid: string, claims: JWTPayload) =>
				sign(
					{ alg: 'HS256', typ: 'at+jwt', kid },
					claims,
					new TextEncoder().encode(`${SECRET}-other`)
				)
		],
		[
			'HS256 with an empty secret',
			(kid: string, claims: JWTPayload) =>
				sign({ alg: 'HS256', typ: 'at+jwt', kid }, claims, new Uint8Array(1))
		]
	] as const)('attack: %s → 401 invalid_token', async (_name, forge) => {
		const app = await createTestApp({ JWT_SECRET: SECRET })
		const { access_token } = await login(app.request)
		const control = await sign(
			{ alg: 'HS256', typ: 'at+jwt', kid: app.tessera.keys.currentKid },
			decodeJwt(access_token),
			new TextEncoder().encode(SECRET)
		)
		expect((await app.request('/users/me', bearer(control))).status).toBe(200)
		await expectInvalidToken(app, await forge(app.tessera.keys.currentKid, decodeJwt(access_token)))
	})
})
