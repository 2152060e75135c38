import { describe, expect, test } from 'bun:test'
import { createTestApp } from '../helpers/app'
import { basic, form } from '../helpers/http'

const passwordGrant = { grant_type: 'password', username: 'johndoe', password: 'secret' }
const token = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
	form({ ...passwordGrant, ...fields }, headers)

describe('POST /oauth/token — client authentication (RFC 6749 §2.3)', () => {
	test('RFC 6749 §2.3.1: a confidential client authenticates with HTTP Basic', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({}, { authorization: basic('demo-app', 'demo-app-secret') })
		)
		expect(response.status).toBe(200)
		expect(((await response.json()) as any).access_token).toBeString()
	})

	test('RFC 6749 §2.3.1: the Basic scheme name is case-insensitive', async () => {
		const { request } = await createTestApp()
		const credentials = basic('demo-app', 'demo-app-secret').slice('Basic '.length)
		for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
			const response = await request(
				'/oauth/token',
				token({}, { authorization: `${scheme} ${credentials}` })
			)
			expect(response.status).toBe(200)
		}
	})

	test('RFC 6749 §2.3.1: a confidential client authenticates with client_id/client_secret in the body', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({ client_id: 'demo-app', client_secret: 'demo-app-secret' })
		)
		expect(response.status).toBe(200)
	})

	test('RFC 6749 §2.3.1, Appendix B: Basic credentials are form-decoded after Base64', async () => {
		const { request, tessera } = await createTestApp()
		await tessera.clients.create(
			{ id: 'odd', confidential: true, grants: ['password'], scopes: ['profile'] },
			'p:a%s+s é'
		)
		const encoded = Buffer.from(`odd:${encodeURIComponent('p:a%s+s é').replaceAll('%20', '+')}`).toString(
			'base64'
		)
		const response = await request('/oauth/token', token({}, { authorization: `Basic ${encoded}` }))
		expect(response.status).toBe(200)
	})

	test('RFC 6749 §5.2: wrong secret via Basic → 401 invalid_client with a Basic challenge', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({}, { authorization: basic('demo-app', 'wrong') })
		)
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Basic realm="tessera"')
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect(await response.json()).toEqual({
			error: 'invalid_client',
			error_description: 'Client authentication failed'
		})
	})

	test('RFC 6749 §5.2: unknown client via Basic answers exactly like a wrong secret', async () => {
		const { request } = await createTestApp()
		const unknown = await request('/oauth/token', token({}, { authorization: basic('nope', 'wrong') }))
		const wrong = await request('/oauth/token', token({}, { authorization: basic('demo-app', 'wrong') }))
		expect(unknown.status).toBe(401)
		expect(await unknown.text()).toBe(await wrong.text())
	})

	test('RFC 6749 §5.2: wrong secret in the body → 401 invalid_client without a challenge', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({ client_id: 'demo-app', client_secret: 'wrong' })
		)
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBeNull()
		expect(((await response.json()) as any).error).toBe('invalid_client')
	})

	test('RFC 6749 §3.2.1: a confidential client naming itself without its secret → invalid_client', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', token({ client_id: 'demo-app' }))
		expect(response.status).toBe(401)
		expect(((await response.json()) as any).error).toBe('invalid_client')
	})

	test('RFC 6749 §2.3: Basic plus client_secret in the body → invalid_request (one method only)', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token(
				{ client_secret: 'demo-app-secret' },
				{ authorization: basic('demo-app', 'demo-app-secret') }
			)
		)
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})

	test('RFC 6749 §2.3: Basic and a different client_id in the body → invalid_request', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({ client_id: 'default' }, { authorization: basic('demo-app', 'demo-app-secret') })
		)
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
	})

	test('docs/contract.md: no client_id at all acts as the public client default', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', token({}))
		expect(response.status).toBe(200)
	})

	test('docs/contract.md: Swagger UI’s empty `Basic Og==` counts as no client authentication', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', token({}, { authorization: 'Basic Og==' }))
		expect(response.status).toBe(200)
	})

	test('docs/contract.md: a public client may name itself in Basic with an empty secret', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', token({}, { authorization: basic('default', '') }))
		expect(response.status).toBe(200)
	})

	test('docs/contract.md: a public client naming itself with client_id in the body', async () => {
		const { request } = await createTestApp()
		const response = await request('/oauth/token', token({ client_id: 'default' }))
		expect(response.status).toBe(200)
	})

	test('RFC 6749 §2.3: a public client presenting a secret → invalid_client', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/oauth/token',
			token({}, { authorization: basic('default', 'guess') })
		)
		expect(response.status).toBe(401)
		expect(((await response.json()) as any).error).toBe('invalid_client')
	})

	test('docs/contract.md: ALLOW_DEFAULT_CLIENT=false refuses requests without a client', async () => {
		const { request } = await createTestApp({ ALLOW_DEFAULT_CLIENT: 'false' })
		for (const init of [
			token({}),
			token({ client_id: 'default' }),
			token({}, { authorization: 'Basic Og==' })
		]) {
			const response = await request('/oauth/token', init)
			expect(response.status).toBe(401)
			expect(((await response.json()) as any).error).toBe('invalid_client')
		}
		const confidential = await request(
			'/oauth/token',
			token({}, { authorization: basic('demo-app', 'demo-app-secret') })
		)
		expect(confidential.status).toBe(200)
	})

	test('RFC 7617: malformed Basic credentials → 401 invalid_client, never a 500', async () => {
		const { request } = await createTestApp()
		for (const authorization of [
			'Basic',
			'Basic !!!',
			'Basic ' + Buffer.from('no-colon').toString('base64'),
			'Basic ' + Buffer.from('%ZZ:x').toString('base64')
		]) {
			const response = await request('/oauth/token', token({}, { authorization }))
			expect(response.status).toBe(401)
			expect(((await response.json()) as any).error).toBe('invalid_client')
		}
	})
})
