import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { decodeJwt } from 'jose'
import { createApp } from '../../src/server/app'
import { bearerAuth, createTessera, tokenServer } from '../../src/index'
import { createTestApp, ISSUER, serverOptions } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { basic, bearer, clientCredentials, form, json, login } from '../helpers/http'

describe('bearer auth on resource routes (RFC 6750)', () => {
	test('RFC 6750 §3: no credentials → 401 with a bare Bearer challenge (no error code)', async () => {
		const { request } = await createTestApp()
		const response = await request('/users/me')
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
		expect(((await response.json()) as any).error).toBe('unauthorized')
	})

	test('RFC 6750 §3: authentication comes before body validation: anonymous with a bad body → 401', async () => {
		const { request } = await createTestApp()
		for (const [path, method] of [
			['/users/me/password', 'PUT'],
			['/posts', 'POST']
		] as const) {
			const response = await request(path, {
				method,
				headers: { 'content-type': 'application/json' },
				body: '{"nonsense":1}'
			})
			expect(response.status).toBe(401)
			expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
		}
	})

	test('RFC 6750 §3: credentials of another scheme count as none', async () => {
		const { request } = await createTestApp()
		const response = await request('/users/me', {
			headers: { authorization: basic('johndoe', 'secret') }
		})
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
	})

	test('RFC 6750 §2.3: a token in the query string is ignored', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request(`/users/me?access_token=${access_token}`)
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
	})

	test('RFC 9110 §11.1: the Bearer scheme is case-insensitive', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		for (const scheme of ['bearer', 'BEARER', 'BeArEr'])
			expect(
				(await request('/users/me', { headers: { authorization: `${scheme} ${access_token}` } }))
					.status
			).toBe(200)
	})

	test('RFC 6750 §2.1/§3.1: credentials breaking the b64token syntax → 400 invalid_request', async () => {
		const { request } = await createTestApp()
		for (const authorization of [
			'Bearer',
			'Bearer ',
			'Bearer a b',
			'Bearer ab$cd',
			'Bearer =abc',
			'Bearer ab=c'
		]) {
			const response = await request('/users/me', { headers: { authorization } })
			expect(response.status).toBe(400)
			expect(response.headers.get('www-authenticate')).toBe(
				'Bearer realm="tessera", error="invalid_request"'
			)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
	})

	test('RFC 6750 §3.1: a token that does not verify → 401 invalid_token with the challenge', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		for (const token of [
			'abc',
			`${access_token}x`,
			access_token.replace(/\.[^.]+\./, '.eyJzdWIiOiIxIn0.')
		]) {
			const response = await request('/users/me', bearer(token))
			expect(response.status).toBe(401)
			expect(response.headers.get('www-authenticate')).toStartWith(
				'Bearer realm="tessera", error="invalid_token"'
			)
			expect(((await response.json()) as any).error).toBe('invalid_token')
		}
	})

	test('RFC 8725 §3.9: a token for another audience → 401 invalid_token, though the same keys signed it', async () => {
		const issuing = await createTestApp({ AUDIENCE: 'https://other.example' })
		const { access_token } = await login(issuing.request)
		expect((await issuing.request('/users/me', bearer(access_token))).status).toBe(200)
		// The same database (same keys), checked by an instance whose audience is the default one
		const checking = createApp(
			await createTessera({ ...serverOptions(), database: { store: issuing.tessera.store } }),
			{ registration: 'open' }
		)
		const response = await checking.handle(new Request(`${ISSUER}/users/me`, bearer(access_token)))
		expect(response.status).toBe(401)
		expect(((await response.json()) as any).error).toBe('invalid_token')
	})

	test('RFC 6750 §3.1: a token lacking the route’s scope → 403 insufficient_scope naming it', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request, 'johndoe', 'secret', { scope: 'posts:read' })
		const response = await request('/users/me', bearer(access_token))
		expect(response.status).toBe(403)
		expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
		expect(response.headers.get('www-authenticate')).toContain('scope="profile"')
		expect(await response.json()).toEqual({
			error: 'insufficient_scope',
			error_description: 'The access token lacks a required scope',
			scope: 'profile'
		})
	})

	test('RFC 6750 §3.1: a token’s scope claim counts only as far as its session grants it — a claim beyond it → 403 insufficient_scope', async () => {
		const { request, tessera } = await createTestApp()
		const { access_token } = await login(request, 'johndoe', 'secret', { scope: 'profile' })
		const { sid, sub, jti } = decodeJwt(access_token) as { sid: string; sub: string; jti: string }
		// Signed with our own key, but claiming more than the session (scope `profile`) was granted.
		const widened = await tessera.keys.sign({
			sub,
			client_id: 'default',
			scope: 'profile posts:read posts:write',
			sid,
			jti: `${jti}-widened`,
			exp: tessera.clock() + 60
		})
		const dropped = await request('/users/me/posts', bearer(widened))
		expect(dropped.status).toBe(403)
		expect(((await dropped.json()) as any).error).toBe('insufficient_scope')
		const write = await request('/posts', bearer(widened, json({ title: 't', content: 'c' })))
		expect(write.status).toBe(403)
		expect((await request('/users/me', bearer(widened))).status).toBe(200)
	})

	test('docs/contract.md: a disabled user → 403', async () => {
		const { request, tessera } = await createTestApp()
		const { access_token } = await login(request)
		await databaseOf(tessera).run(sql`UPDATE tessera_users SET disabled = ${true} WHERE username = 'johndoe'`)
		const response = await request('/users/me', bearer(access_token))
		expect(response.status).toBe(403)
		expect(((await response.json()) as any).error).toBe('forbidden')
	})

	test('docs/contract.md: a client_credentials token on a route that needs a user → 403 saying a user is required', async () => {
		const { request } = await createTestApp()
		const response = await clientCredentials(request, 'demo-service', 'demo-service-secret')
		const { access_token } = (await response.json()) as any
		const me = await request('/users/me', bearer(access_token))
		expect(me.status).toBe(403)
		const body = (await me.json()) as any
		expect(body.error).toBe('insufficient_scope')
		expect(body.error_description).toContain('requires a user')
	})

	test('docs/contract.md: after POST /auth/logout the access token stops working at once', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const logout = await request('/auth/logout', bearer(access_token, { method: 'POST' }))
		expect(logout.status).toBe(204)
		const response = await request('/users/me', bearer(access_token))
		expect(response.status).toBe(401)
		expect(((await response.json()) as any).error).toBe('invalid_token')
	})
})

describe('the plugins in someone else’s Elysia app (src/index.ts)', () => {
	test('docs/contract.md: tokenServer and bearerAuth mount in a fresh Elysia instance with its own routes', async () => {
		const { tessera } = await createTestApp()
		const app = new Elysia()
			.use(tokenServer(tessera))
			.use(bearerAuth(tessera))
			.get('/hello', ({ user }) => ({ hello: user.username }), { user: ['profile'] })
			.get('/stats', ({ principal }) => ({ client: principal.clientId }), { scope: ['posts:read'] })
			.get('/public', () => 'open')
		const request = (path: string, init?: RequestInit) =>
			app.handle(new Request(`${ISSUER}${path}`, init))

		const tokens = await login(request)
		const hello = await request('/hello', bearer(tokens.access_token))
		expect(hello.status).toBe(200)
		expect(await hello.json()).toEqual({ hello: 'johndoe' })
		expect(await (await request('/stats', bearer(tokens.access_token))).json()).toEqual({
			client: 'default'
		})
		expect(await (await request('/public')).text()).toBe('open')

		// RFC errors render themselves without our app's onError
		const anonymous = await request('/hello')
		expect(anonymous.status).toBe(401)
		expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
		const badGrant = await request('/oauth/token', form('grant_type=password&grant_type=password'))
		expect(badGrant.status).toBe(400)
		expect(((await badGrant.json()) as any).error).toBe('invalid_request')
		const wrong = await request(
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'nope' })
		)
		expect(await wrong.json()).toEqual({
			error: 'invalid_grant',
			error_description: 'Invalid username or password'
		})
	})
})
