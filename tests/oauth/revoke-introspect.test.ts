import { describe, expect, test } from 'bun:test'
import { createTestApp, type TestApp } from '../helpers/app'
import { basic, bearer, clientCredentials, form, login } from '../helpers/http'

const service = { authorization: basic('demo-service', 'demo-service-secret') }
/** demo-app: a confidential client with the password grant, introspecting its own tokens. */
const app = { authorization: basic('demo-app', 'demo-app-secret') }
const appLogin = (t: TestApp) => login(t.request, 'johndoe', 'secret', {}, app)

async function introspect(
	{ request }: TestApp,
	token: string,
	headers: Record<string, string> = service,
	extra: Record<string, string> = {}
) {
	const response = await request('/oauth/introspect', form({ token, ...extra }, headers))
	return { status: response.status, headers: response.headers, body: (await response.json()) as any }
}

describe('POST /oauth/revoke (RFC 7009)', () => {
	test('RFC 7009 §2.1: revoking a refresh token ends its session: refresh and access tokens stop', async () => {
		const t = await createTestApp()
		const tokens = await login(t.request)
		const response = await t.request(
			'/oauth/revoke',
			form({ token: tokens.refresh_token!, token_type_hint: 'refresh_token' })
		)
		expect(response.status).toBe(200)
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect((await t.request('/users/me', bearer(tokens.access_token))).status).toBe(401)
		const refresh = await t.request(
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })
		)
		expect(((await refresh.json()) as any).error).toBe('invalid_grant')
		expect(await t.tessera.store.audit.list({ limit: 10, type: 'token.revoked' })).toHaveLength(1)
	})

	test('docs/contract.md: revoking an access token ends its session too', async () => {
		const t = await createTestApp()
		const tokens = await login(t.request)
		expect((await t.request('/oauth/revoke', form({ token: tokens.access_token }))).status).toBe(200)
		expect((await t.request('/users/me', bearer(tokens.access_token))).status).toBe(401)
	})

	test('RFC 7009 §2.1: a wrong hint still finds the token', async () => {
		const t = await createTestApp()
		const tokens = await login(t.request)
		await t.request(
			'/oauth/revoke',
			form({ token: tokens.access_token, token_type_hint: 'refresh_token' })
		)
		expect((await t.request('/users/me', bearer(tokens.access_token))).status).toBe(401)
	})

	test('RFC 7009 §2.2: an unknown or invalid token → 200', async () => {
		const t = await createTestApp()
		for (const token of ['garbage', 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(4000)])
			expect((await t.request('/oauth/revoke', form({ token }))).status).toBe(200)
	})

	test('RFC 7009 §2.1: a token of another client is left alone → 400 unauthorized_client', async () => {
		const t = await createTestApp()
		const tokens = await login(
			t.request,
			'johndoe',
			'secret',
			{},
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		const response = await t.request('/oauth/revoke', form({ token: tokens.refresh_token! }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('unauthorized_client')
		expect((await t.request('/users/me', bearer(tokens.access_token))).status).toBe(200)
	})

	test('RFC 7009 §2.2.1: an unsupported token_type_hint → unsupported_token_type', async () => {
		const t = await createTestApp()
		const response = await t.request('/oauth/revoke', form({ token: 'x', token_type_hint: 'id_token' }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('unsupported_token_type')
	})

	test('RFC 7009 §2.1: missing token → invalid_request; bad client credentials → 401 invalid_client', async () => {
		const t = await createTestApp()
		const missing = await t.request('/oauth/revoke', form({}))
		expect(missing.status).toBe(400)
		expect(((await missing.json()) as any).error).toBe('invalid_request')
		const bad = await t.request(
			'/oauth/revoke',
			form({ token: 'x' }, { authorization: basic('demo-app', 'nope') })
		)
		expect(bad.status).toBe(401)
		expect(bad.headers.get('www-authenticate')).toBe('Basic realm="tessera"')
	})
})

describe('POST /oauth/introspect (RFC 7662)', () => {
	test('RFC 7662 §2.2: an active access token is described', async () => {
		const t = await createTestApp()
		const tokens = await appLogin(t)
		const { status, body, headers } = await introspect(t, tokens.access_token, app)
		expect(status).toBe(200)
		expect(headers.get('cache-control')).toBe('no-store')
		expect(body).toEqual({
			active: true,
			scope: 'profile posts:read posts:write',
			client_id: 'demo-app',
			username: 'johndoe',
			token_type: 'Bearer',
			exp: expect.any(Number),
			iat: expect.any(Number),
			sub: String((await t.tessera.users.findByUsername('johndoe'))!.id),
			aud: 'http://localhost',
			iss: 'http://localhost',
			jti: expect.any(String)
		})
	})

	test('RFC 7662 §2.2: an active refresh token is described', async () => {
		const t = await createTestApp()
		const tokens = await appLogin(t)
		const { body } = await introspect(t, tokens.refresh_token!, app, {
			token_type_hint: 'refresh_token'
		})
		expect(body).toMatchObject({
			active: true,
			token_type: 'refresh_token',
			client_id: 'demo-app',
			username: 'johndoe',
			scope: tokens.scope
		})
	})

	test('RFC 7662 §2.2: revoked, rotated, invalid or unknown → exactly {"active":false}', async () => {
		const t = await createTestApp()
		const tokens = await appLogin(t)
		const rotated = await appLogin(t)
		await t.request(
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token! }, app)
		)
		await t.request('/auth/logout', bearer(tokens.access_token, { method: 'POST' }))
		for (const token of [
			tokens.access_token,
			tokens.refresh_token!,
			rotated.refresh_token!,
			'garbage',
			`${rotated.access_token}x`
		]) {
			const { status, body } = await introspect(t, token, app)
			expect(status).toBe(200)
			expect(body).toEqual({ active: false })
		}
	})

	test('RFC 7662 §2.2: a client may introspect only tokens issued to itself; any other active token → exactly {"active":false}', async () => {
		const t = await createTestApp()
		const ofApp = await appLogin(t)
		const ofDefault = await login(t.request)
		const serviceToken = await clientCredentials(t.request, 'demo-service', 'demo-service-secret')
		const ofService = ((await serviceToken.json()) as { access_token: string }).access_token

		for (const token of [ofApp.access_token, ofApp.refresh_token!, ofDefault.access_token])
			expect((await introspect(t, token, service)).body).toEqual({ active: false })
		for (const token of [ofDefault.access_token, ofDefault.refresh_token!, ofService])
			expect((await introspect(t, token, app)).body).toEqual({ active: false })

		// Its own tokens, the same requests otherwise: described.
		expect((await introspect(t, ofApp.access_token, app)).body).toMatchObject({
			active: true,
			client_id: 'demo-app'
		})
		expect((await introspect(t, ofService, service)).body).toMatchObject({
			active: true,
			client_id: 'demo-service',
			sub: 'demo-service'
		})
	})

	test('RFC 7662 §2.1: a bearer token with admin may introspect every client’s tokens', async () => {
		const t = await createTestApp()
		const admin = {
			authorization: `Bearer ${(await login(t.request, 'admin', 'admin-secret')).access_token}`
		}
		const serviceToken = await clientCredentials(t.request, 'demo-service', 'demo-service-secret')
		const tokens = [
			(await appLogin(t)).access_token,
			(await login(t.request)).refresh_token!,
			((await serviceToken.json()) as { access_token: string }).access_token
		]
		const described = await Promise.all(
			tokens.map(async (token) => (await introspect(t, token, admin)).body)
		)
		expect(described.map((body) => [body.active, body.client_id])).toEqual([
			[true, 'demo-app'],
			[true, 'default'],
			[true, 'demo-service']
		])
	})

	test('RFC 7662 §2.1: a bearer token with admin may introspect; without admin → 403', async () => {
		const t = await createTestApp()
		const tokens = await login(t.request)
		const admin = await login(t.request, 'admin', 'admin-secret')
		const allowed = await introspect(t, tokens.access_token, {
			authorization: `Bearer ${admin.access_token}`
		})
		expect(allowed.body.active).toBe(true)
		const refused = await introspect(t, tokens.access_token, {
			authorization: `Bearer ${tokens.access_token}`
		})
		expect(refused.status).toBe(403)
		expect(refused.body.error).toBe('insufficient_scope')
	})

	test('RFC 7662 §2.1: no caller authentication, or a public client → 401 invalid_client', async () => {
		const t = await createTestApp({ ALLOW_DEFAULT_CLIENT: 'false' })
		const tokens = await login(
			t.request,
			'johndoe',
			'secret',
			{},
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		expect((await introspect(t, tokens.access_token, {})).status).toBe(401)
		const open = await createTestApp()
		const publicClient = await introspect(open, tokens.access_token, {}, { client_id: 'default' })
		expect(publicClient.status).toBe(401)
		expect(publicClient.body.error).toBe('invalid_client')
	})

	test('RFC 7662 §2.1: missing token → 400 invalid_request', async () => {
		const t = await createTestApp()
		const response = await t.request('/oauth/introspect', form({}, service))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})
})
