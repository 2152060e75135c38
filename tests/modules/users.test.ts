import { describe, expect, test } from 'bun:test'
import { REGISTRATION_FREE_ATTEMPTS, USERNAME_FREE_FAILURES } from '../../src/store/throttle-policy'
import { createTestApp } from '../helpers/app'
import { bearer, changePassword, form, json, login, loginStatus } from '../helpers/http'

const register = (fields: Record<string, unknown>) =>
	json({ username: 'bob', password: 'correct horse', ...fields })

describe('POST /users (docs/contract.md)', () => {
	test('docs/contract.md: REGISTRATION=open → 201 with the user, never the hash', async () => {
		const { request } = await createTestApp()
		const response = await request('/users', register({ email: 'bob@example.com', full_name: 'Bob' }))
		expect(response.status).toBe(201)
		const user = (await response.json()) as any
		expect(user).toEqual({
			id: expect.any(Number),
			username: 'bob',
			email: 'bob@example.com',
			full_name: 'Bob',
			disabled: false,
			scopes: ['profile', 'posts:read', 'posts:write'],
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
		})
		expect(JSON.stringify(user)).not.toContain('argon2')
		expect(await loginStatus(request, 'bob', 'correct horse')).toBe(200)
	})

	test('docs/contract.md: usernames are unique regardless of letter case → 409; login matches them the same way', async () => {
		const { request } = await createTestApp()
		for (const username of ['JohnDoe', 'JOHNDOE']) {
			const response = await request('/users', register({ username }))
			expect(response.status).toBe(409)
		}
		expect(await loginStatus(request, 'JOHNDOE', 'secret')).toBe(200)
		expect(await loginStatus(request, 'JohnDoe', 'wrong')).toBe(400)
	})

	test('RFC 6749 §10.10 spirit: open registration is throttled per address, so 409s cannot enumerate usernames at speed', async () => {
		const { request } = await createTestApp({ TRUST_PROXY: 'true' })
		const from = (address: string, username: string) => {
			const init = register({ username })
			return { ...init, headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': address } }
		}
		const statuses: number[] = []
		for (let i = 0; i < REGISTRATION_FREE_ATTEMPTS; i++)
			statuses.push((await request('/users', from('203.0.113.7', i % 2 ? `user${i}` : 'johndoe'))).status)
		expect(statuses.every((status) => status === 201 || status === 409)).toBe(true)
		const refused = await request('/users', from('203.0.113.7', 'someone-new'))
		expect(refused.status).toBe(429)
		expect(refused.headers.get('retry-after')).toBe('1')
		expect(((await refused.json()) as any).error).toBe('too_many_requests')
		expect((await request('/users', from('203.0.113.8', 'someone-new'))).status).toBe(201)
	})

	test('docs/contract.md: duplicate username → 409', async () => {
		const { request } = await createTestApp()
		const response = await request('/users', register({ username: 'johndoe' }))
		expect(response.status).toBe(409)
		expect(await response.json()).toEqual({
			error: 'conflict',
			error_description: 'The username is taken'
		})
	})

	test('docs/contract.md: password under 8 or over 1024 bytes → 400 invalid_request', async () => {
		const { request, tessera } = await createTestApp()
		for (const password of ['short', 'é'.repeat(3), 'x'.repeat(1025), 'é'.repeat(513)]) {
			const response = await request('/users', register({ password }))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
		expect(await tessera.users.findByUsername('bob')).toBeNull()
	})

	test('docs/contract.md: invalid username, missing fields, wrong types → 400 invalid_request (never 422)', async () => {
		const { request } = await createTestApp()
		for (const body of [
			{ username: 'x' },
			{ username: 'a b c', password: 'correct horse' },
			{ username: '../etc', password: 'correct horse' },
			{ username: 'bob', password: 12345678 },
			{ username: 'bob', password: 'correct horse', email: 'not-an-email' },
			[],
			'bob'
		]) {
			const response = await request('/users', json(body))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
	})

	test('docs/contract.md: a body over the size limit → 413 JSON error', async () => {
		const { request } = await createTestApp()
		const response = await request('/users', register({ full_name: 'x'.repeat(200_000) }))
		expect(response.status).toBe(413)
		expect(((await response.json()) as any).error).toBe('payload_too_large')
	})

	test('docs/contract.md: REGISTRATION=closed → 401 without a token, 403 without admin, 201 with admin', async () => {
		const { request } = await createTestApp({ REGISTRATION: 'closed' })
		expect((await request('/users', register({}))).status).toBe(401)
		// RFC 6750 §3: authentication before body validation
		expect((await request('/users', json({ nonsense: true }))).status).toBe(401)
		const user = await login(request)
		expect((await request('/users', bearer(user.access_token, register({})))).status).toBe(403)
		const admin = await login(request, 'admin', 'admin-secret')
		expect((await request('/users', bearer(admin.access_token, register({})))).status).toBe(201)
	})
})

describe('GET /users/me and PUT /users/me/password (docs/contract.md)', () => {
	test('docs/contract.md: GET /users/me returns the current user', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request('/users/me', bearer(access_token))
		expect(response.status).toBe(200)
		expect(await response.json()).toMatchObject({
			username: 'johndoe',
			full_name: 'John Doe',
			email: 'johndoe@example.com',
			disabled: false
		})
	})

	test('docs/contract.md: changing the password ends every other session, keeps this one', async () => {
		const { request } = await createTestApp()
		const mine = await login(request)
		const other = await login(request)
		const response = await changePassword(request, mine.access_token, 'secret', 'a much better one')
		expect(response.status).toBe(204)
		expect((await request('/users/me', bearer(mine.access_token))).status).toBe(200)
		expect((await request('/users/me', bearer(other.access_token))).status).toBe(401)
		const refreshOther = await request(
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: other.refresh_token! })
		)
		expect(((await refreshOther.json()) as any).error).toBe('invalid_grant')
		expect(await loginStatus(request, 'johndoe', 'secret')).toBe(400)
		expect(await loginStatus(request, 'johndoe', 'a much better one')).toBe(200)
	})

	test('docs/contract.md: a wrong current password → 400 and nothing changes', async () => {
		const { request } = await createTestApp()
		const mine = await login(request)
		const response = await changePassword(request, mine.access_token, 'nope', 'a much better one')
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error).toBe('invalid_request')
		expect(await loginStatus(request, 'johndoe', 'secret')).toBe(200)
	})

	test('RFC 6749 §10.10: guessing the current password at PUT /users/me/password goes through the login throttle → 429, each failure audited', async () => {
		const { request, tessera } = await createTestApp()
		const { access_token } = await login(request)
		const statuses: number[] = []
		for (let i = 0; i < 12; i++)
			statuses.push((await changePassword(request, access_token, `guess-${i}`, 'a new passphrase')).status)
		expect(statuses.slice(0, USERNAME_FREE_FAILURES)).toEqual(Array(USERNAME_FREE_FAILURES).fill(400))
		expect(statuses.slice(USERNAME_FREE_FAILURES)).toEqual(Array(12 - USERNAME_FREE_FAILURES).fill(429))
		const failures = await tessera.store.audit.list({ limit: 50, type: 'user.password_change_failed' })
		expect(failures).toHaveLength(USERNAME_FREE_FAILURES)
		expect(failures[0]).toMatchObject({ userId: 1, detail: { reason: 'wrong password' } })
		// The account shares the block with the token endpoint: guessing there gains nothing either.
		expect(await loginStatus(request, 'johndoe', 'secret')).toBe(429)
	})

	test('docs/contract.md: a too-short new password → 400 before any change', async () => {
		const { request } = await createTestApp()
		const mine = await login(request)
		const response = await changePassword(request, mine.access_token, 'secret', 'short')
		expect(response.status).toBe(400)
		expect(await loginStatus(request, 'johndoe', 'secret')).toBe(200)
	})

	test('RFC 6750 §3: PUT /users/me/password without a token → 401', async () => {
		const { request } = await createTestApp()
		const response = await request(
			'/users/me/password',
			json({ current_password: 'secret', new_password: 'a much better one' }, 'PUT')
		)
		expect(response.status).toBe(401)
	})
})
