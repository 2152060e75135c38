import { describe, expect, test } from 'bun:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { createTestApp } from '../helpers/app'
import { basic, form, json } from '../helpers/http'

const password = (fields: Record<string, string> = {}, headers: Record<string, string> = {}) =>
	form({ grant_type: 'password', username: 'johndoe', password: 'secret', ...fields }, headers)

describe('POST /oauth/token — password grant (RFC 6749 §4.3)', () => {
	test('RFC 6749 §5.1: success carries the token fields and no-store / no-cache headers', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password())
		expect(response.status).toBe(200)
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect(response.headers.get('pragma')).toBe('no-cache')
		expect(response.headers.get('content-type')).toStartWith('application/json')
		const body = (await response.json()) as any
		expect(Object.keys(body).sort()).toEqual([
			'access_token',
			'expires_in',
			'refresh_token',
			'scope',
			'token_type'
		])
		expect(body.token_type).toBe('Bearer')
		expect(body.expires_in).toBe(900)
		expect(body.scope).toBe('profile posts:read posts:write')
		// RFC 6749 §10.10: ≥ 160 bits; ours are 256 bits in base64url (43 characters)
		expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
	})

	test('RFC 9068 §2: the access token is an at+jwt with kid and every required claim', async () => {
		const { request, tessera } = await createTestApp()
		const body = (await (await request('/oauth/token', password())).json()) as any
		const header = decodeProtectedHeader(body.access_token)
		expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: tessera.keys.currentKid })
		const claims = decodeJwt(body.access_token)
		expect(claims.iss).toBe('http://localhost')
		expect(claims.aud).toBe('http://localhost')
		expect(claims.sub).toBe(String((await tessera.users.findByUsername('johndoe'))!.id))
		expect(claims.client_id).toBe('default')
		expect(claims.scope).toBe('profile posts:read posts:write')
		expect(typeof claims.jti).toBe('string')
		expect(typeof claims.sid).toBe('string')
		expect(claims.exp! - claims.iat!).toBe(900)
	})

	test('docs/contract.md: JSON bodies are accepted too', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			json({ grant_type: 'password', username: 'johndoe', password: 'secret' })
		)
		expect(response.status).toBe(200)
	})

	test('RFC 6749 §3.2: unknown parameters are ignored', async () => {
		const { request } = await createTestApp()
		expect((await request('/oauth/token', password({ foo: 'bar' }))).status).toBe(200)
	})

	test('RFC 6749 §5.2: wrong password → 400 invalid_grant', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password({ password: 'wrong' }))
		expect(response.status).toBe(400)
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect(await response.json()).toEqual({
			error: 'invalid_grant',
			error_description: 'Invalid username or password'
		})
	})

	test('RFC 6749 §5.2: unknown user, wrong password and disabled user get one identical answer', async () => {
		const { request } = await createTestApp()
		const answers = await Promise.all(
			[
				password({ username: 'nobody' }),
				password({ password: 'wrong' }),
				password({ username: 'alice', password: 'secret2' })
			].map(async (init) => {
				const response = await request('/oauth/token', init)
				return { status: response.status, body: await response.text() }
			})
		)
		expect(answers[0]!.status).toBe(400)
		expect(answers[1]).toEqual(answers[0]!)
		expect(answers[2]).toEqual(answers[0]!)
	})

	test('RFC 6749 §4.3.2: missing username → invalid_request', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', form({ grant_type: 'password', password: 'secret' }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})

	test('RFC 6749 §4.3.2: missing password → invalid_request', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', form({ grant_type: 'password', username: 'johndoe' }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})

	test('RFC 6749 §3.2: repeated parameter → invalid_request', async () => {
		const { request } = await createTestApp()
		for (const body of [
			'grant_type=password&grant_type=password&username=johndoe&password=secret',
			'grant_type=password&username=johndoe&password=secret&scope=profile&scope=profile'
		]) {
			const response = await request('/oauth/token', form(body))
			expect(response.status).toBe(400)
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: expect.stringContaining('repeated')
			})
		}
	})

	test('RFC 6749 §3.2: empty grant_type is treated as omitted → invalid_request', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', form('grant_type=&username=johndoe&password=secret'))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})

	test('RFC 6749 §3.2: empty scope is treated as omitted → the default scope', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password({ scope: '' }))
		expect(((await response.json()) as any).scope).toBe('profile posts:read posts:write')
	})

	test('RFC 6749 §3.2: another content type → invalid_request', async () => {
		const { request } = await createTestApp()
		for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
			const response = await request('/oauth/token', {
				method: 'POST',
				headers: { 'content-type': type },
				body: 'grant_type=password'
			})
			expect(response.status).toBe(400)
			// Both accepted media types are named (docs/contract.md: JSON bodies are also accepted).
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: 'The body must be application/x-www-form-urlencoded or application/json'
			})
		}
		const none = await request('/oauth/token', { method: 'POST' })
		expect(none.status).toBe(400)
	})

	test('RFC 6749 §3.2: malformed percent-encoding and malformed JSON → invalid_request', async () => {
		const { request } = await createTestApp()
		for (const init of [
			form('grant_type=password&username=%E0%A4%A&password=x'),
			{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' },
			json(['password']),
			json({ grant_type: 'password', username: ['johndoe'], password: 'secret' })
		]) {
			const response = await request('/oauth/token', init)
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
	})

	test('RFC 6749 §5.2: unknown grant_type → unsupported_grant_type', async () => {
		const { request } = await createTestApp()
		for (const grantType of ['authorization_code', 'constructor', '__proto__', 'toString']) {
			const response = await request('/oauth/token', form({ grant_type: grantType }))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('unsupported_grant_type')
		}
	})

	test('RFC 6749 §5.2: a grant the client may not use → unauthorized_client', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			password({}, { authorization: basic('demo-service', 'demo-service-secret') })
		)
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('unauthorized_client')
	})

	test('docs/contract.md: a password over 1024 bytes → invalid_grant (it is never hashed)', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password({ password: 'x'.repeat(1025) }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_grant')
	})

	test('RFC 6749 §3.2: GET is not the token endpoint', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token?grant_type=password&username=johndoe&password=secret')
		// RFC 9110 §15.5.6: the path exists, the method does not.
		expect(response.status).toBe(405)
		expect(response.headers.get('allow')).toBe('POST')
		expect(((await response.json()) as any).error).toBe('method_not_allowed')
	})
})

describe('POST /oauth/token — scope (RFC 6749 §3.3, docs/contract.md)', () => {
	test('docs/contract.md: the requested scope is granted when user and client allow it', async () => {
		const { request } = await createTestApp()
		const body = (await (
			await request('/oauth/token', password({ scope: 'posts:read profile' }))
		).json()) as any
		expect(body.scope).toBe('profile posts:read')
	})

	test('RFC 6749 §3.3: a scope the user lacks is dropped and the granted scope returned', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password({ scope: 'profile admin' }))
		expect(response.status).toBe(200)
		expect(((await response.json()) as any).scope).toBe('profile')
	})

	test('docs/contract.md: requested ∩ client: demo-app never gets admin', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			password(
				{ username: 'admin', password: 'admin-secret' },
				{ authorization: basic('demo-app', 'demo-app-secret') }
			)
		)
		expect(((await response.json()) as any).scope).toBe('profile posts:read posts:write')
	})

	test('RFC 6749 §5.2: nothing grantable → invalid_scope', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', password({ scope: 'admin' }))
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_scope')
	})

	test('RFC 6749 §3.3: unknown or malformed scope → invalid_scope', async () => {
		const { request } = await createTestApp()
		for (const scope of [
			'profile unknown',
			'Profile',
			'profile  posts:read',
			' profile',
			'pro"file',
			'pro\\file',
			'profilé'
		]) {
			const response = await request('/oauth/token', password({ scope }))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_scope')
		}
	})
})
