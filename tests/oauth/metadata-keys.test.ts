import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { prune } from '../../src/maintenance'
import { createTestApp, serverOptions } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { basic, bearer, clientCredentials, form, login } from '../helpers/http'

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
	test('RFC 8414 §2: the metadata lists our endpoints, grants and auth methods; no empty lists', async () => {
		const { request } = await createTestApp()
		const response = await request('/.well-known/oauth-authorization-server')
		expect(response.status).toBe(200)
		const metadata = (await response.json()) as any
		expect(metadata).toMatchObject({
			issuer: 'http://localhost',
			token_endpoint: 'http://localhost/oauth/token',
			revocation_endpoint: 'http://localhost/oauth/revoke',
			introspection_endpoint: 'http://localhost/oauth/introspect',
			jwks_uri: 'http://localhost/.well-known/jwks.json',
			grant_types_supported: ['password', 'refresh_token', 'client_credentials'],
			token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
			revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
			introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
			scopes_supported: ['profile', 'posts:read', 'posts:write', 'admin'],
			service_documentation: 'http://localhost/swagger'
		})
		expect(metadata.response_types_supported).toBeUndefined()
		for (const value of Object.values(metadata))
			if (Array.isArray(value)) expect(value.length).toBeGreaterThan(0)
	})

	test('RFC 8414 §3.1: an issuer with a path is served under the well-known prefix plus the path', async () => {
		const { request } = await createTestApp({ ISSUER: 'http://localhost/tenant1' })
		const response = await request('/.well-known/oauth-authorization-server/tenant1')
		expect(response.status).toBe(200)
		expect(((await response.json()) as any).issuer).toBe('http://localhost/tenant1')
	})

	test('RFC 9068 §4: iss of every token equals the metadata issuer byte for byte', async () => {
		const { request } = await createTestApp()
		const { issuer } = (await (await request('/.well-known/oauth-authorization-server')).json()) as any
		const { access_token } = await login(request)
		const payload = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString())
		expect(payload.iss).toBe(issuer)
	})
})

describe('GET /.well-known/jwks.json (RFC 7517) and key rotation', () => {
	test('RFC 7517: the JWKS publishes the signing key with kid, alg, use=sig and no private part; tokens verify with it', async () => {
		const { request, tessera } = await createTestApp()
		const response = await request('/.well-known/jwks.json')
		expect(response.headers.get('cache-control')).toBe('public, max-age=300')
		const jwks = (await response.json()) as any
		expect(jwks.keys).toHaveLength(1)
		const [key] = jwks.keys
		expect(key).toMatchObject({ kid: tessera.keys.currentKid, alg: 'RS256', use: 'sig', kty: 'RSA' })
		for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[secret]).toBeUndefined()
		const { access_token } = await login(request)
		const { protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
			typ: 'at+jwt',
			issuer: 'http://localhost'
		})
		expect(protectedHeader.kid).toBe(key.kid)
	})

	test.each(['ES256', 'EdDSA'])(
		'docs/contract.md JWT_ALG=%s: tokens are signed and published with that algorithm',
		async (alg) => {
			const { request } = await createTestApp({ JWT_ALG: alg })
			const { access_token } = await login(request)
			expect(decodeProtectedHeader(access_token).alg).toBe(alg)
			const jwks = (await (await request('/.well-known/jwks.json')).json()) as any
			expect(jwks.keys[0].alg).toBe(alg)
			expect((await request('/users/me', bearer(access_token))).status).toBe(200)
		}
	)

	test('docs/contract.md JWT_SECRET: HS256 tokens, empty JWKS', async () => {
		const { request } = await createTestApp({ JWT_SECRET: 'a-test-secret-of-at-least-32-bytes!!' })
		const { access_token } = await login(request)
		expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: 'HS256', typ: 'at+jwt' })
		expect(await (await request('/.well-known/jwks.json')).json()).toEqual({ keys: [] })
		expect((await request('/users/me', bearer(access_token))).status).toBe(200)
	})

	test('RFC 7515 §4.1.4: in HS256 mode the kid is a labelled HMAC of JWT_SECRET, not a piece of its SHA-256', async () => {
		const secret = 'a-test-secret-of-at-least-32-bytes!!'
		const { request } = await createTestApp({ JWT_SECRET: secret })
		const { kid } = decodeProtectedHeader((await login(request)).access_token)
		const hex = (bytes: ArrayBuffer) => Buffer.from(bytes).toString('hex')
		const sha256 = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)))
		// Before: 64 bits of the secret's plain SHA-256, published in every token.
		expect(kid).not.toBe(`hs256-${sha256.slice(0, 16)}`)
		for (let i = 0; i + 8 <= sha256.length; i += 2) expect(kid).not.toContain(sha256.slice(i, i + 8))
		const key = await crypto.subtle.importKey(
			'raw',
			new TextEncoder().encode(secret),
			{ name: 'HMAC', hash: 'SHA-256' },
			false,
			['sign']
		)
		const mac = hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('tessera hs256 kid')))
		expect(kid).toBe(`hs256-${mac.slice(0, 16)}`)
		// Another secret, another kid: tokens of a replaced secret name a key that is gone.
		const other = await createTestApp({ JWT_SECRET: `${secret}-2` })
		expect(decodeProtectedHeader((await login(other.request)).access_token).kid).not.toBe(kid)
	})

	test('RFC 7517 rollover: after rotation the new key signs; tokens of both keys verify; both are published', async () => {
		const { request, tessera } = await createTestApp()
		const before = await login(request)
		const oldKid = tessera.keys.currentKid
		const newKid = await tessera.keys.rotate()
		expect(newKid).not.toBe(oldKid)
		const after = await login(request)
		expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid)
		expect((await request('/users/me', bearer(before.access_token))).status).toBe(200)
		expect((await request('/users/me', bearer(after.access_token))).status).toBe(200)
		const kids = ((await (await request('/.well-known/jwks.json')).json()) as any).keys.map(
			(k: any) => k.kid
		)
		expect(kids.sort()).toEqual([oldKid, newKid].sort())
	})

	test('RFC 7517 rollover: a retired key leaves the JWKS once its tokens have expired, and is pruned', async () => {
		const { request, tessera } = await createTestApp()
		const before = await login(request)
		const oldKid = tessera.keys.currentKid
		await tessera.keys.rotate()
		const now = Math.floor(Date.now() / 1000)
		await databaseOf(tessera).run(
			sql`UPDATE tessera_signing_keys SET expires_at = ${now - 1} WHERE kid = ${oldKid}`
		)
		await tessera.keys.reload()
		const kids = ((await (await request('/.well-known/jwks.json')).json()) as any).keys.map(
			(k: any) => k.kid
		)
		expect(kids).toEqual([tessera.keys.currentKid])
		expect((await request('/users/me', bearer(before.access_token))).status).toBe(401)
		expect((await prune(tessera)).signingKeys).toBe(1)
	})

	test('docs/contract.md: a key rotated by another process (the CLI) is picked up on the first token naming it', async () => {
		let now = Math.floor(Date.now() / 1000)
		const server = await createTestApp({}, { clock: () => now })
		const { createTessera } = await import('../../src/tessera')
		const other = await createTessera({ ...serverOptions(), database: { store: server.tessera.store } })
		await other.keys.rotate()
		const { access_token } = await login(server.request)
		const fromOther = await other.keys.sign({
			sub: '1',
			client_id: 'default',
			scope: 'profile',
			sid: 'x',
			jti: 'y',
			exp: Math.floor(Date.now() / 1000) + 60
		})
		expect(decodeProtectedHeader(fromOther).kid).toBe(other.keys.currentKid)
		expect((await server.request('/users/me', bearer(access_token))).status).toBe(200)
		// Unknown kids trigger a reload at most once a second; the server loaded its keys just now.
		now += 1
		expect((await server.tessera.verifier.verify(fromOther)).sid).toBe('x')
	})
})

describe('client_credentials grant (RFC 6749 §4.4)', () => {
	test('RFC 6749 §4.4.3: a confidential client gets an access token and no refresh token; sub is the client', async () => {
		const { request } = await createTestApp()
		const response = await clientCredentials(request, 'demo-service', 'demo-service-secret')
		expect(response.status).toBe(200)
		const body = (await response.json()) as any
		expect(body.refresh_token).toBeUndefined()
		expect(body.scope).toBe('posts:read')
		const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString())
		expect(claims.sub).toBe('demo-service')
		expect(claims.client_id).toBe('demo-service')
	})

	test('RFC 6749 §4.4.2: a public client → unauthorized_client', async () => {
		const { request, tessera } = await createTestApp()
		await tessera.clients.create({
			id: 'public-cc',
			confidential: false,
			grants: ['client_credentials'],
			scopes: ['profile']
		})
		const response = await request(
			'/oauth/token',
			form({ grant_type: 'client_credentials', client_id: 'public-cc' })
		)
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('unauthorized_client')
	})

	test('RFC 6749 §3.3: a scope beyond the client’s → invalid_scope', async () => {
		const { request } = await createTestApp()
		const response = await clientCredentials(request, 'demo-service', 'demo-service-secret', {
			scope: 'admin'
		})
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_scope')
	})

	test('docs/contract.md: client secrets are stored hashed, never in clear', async () => {
		const { tessera } = await createTestApp()
		const dump = JSON.stringify(await databaseOf(tessera).all(sql`SELECT * FROM tessera_clients`))
		expect(dump).not.toContain('demo-service-secret')
		expect(dump).not.toContain('demo-app-secret')
	})
})

describe('pruning (docs/contract.md db prune)', () => {
	test('docs/contract.md: prune deletes expired sessions and refresh tokens, keeps live ones', async () => {
		const { request, tessera } = await createTestApp()
		const live = await login(request)
		const sid = String(decodeJwt((await login(request)).access_token).sid)
		const now = Math.floor(Date.now() / 1000)
		const database = databaseOf(tessera)
		await database.run(sql`UPDATE tessera_sessions SET expires_at = ${now - 1} WHERE id = ${sid}`)
		await database.run(
			sql`UPDATE tessera_refresh_tokens SET expires_at = ${now - 1} WHERE session_id = ${sid}`
		)
		const result = await prune(tessera)
		expect(result.sessions).toBe(1)
		expect(result.refreshTokens).toBe(1)
		expect((await request('/users/me', bearer(live.access_token))).status).toBe(200)
	})
})
