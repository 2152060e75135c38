import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { basic, bearer, form, json, login } from '../helpers/http'

type Request = TestApp['request']

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const JOHNDOE_ID = 1

async function adminApp() {
	const app = await createTestApp()
	const admin = (await login(app.request, 'admin', 'admin-secret')).access_token
	/** A request as the admin. */
	const as = (path: string, init: RequestInit = {}) => app.request(path, bearer(admin, init))
	return { ...app, admin, as }
}

const bodyOf = async (response: Response | Promise<Response>) => (await (await response).json()) as any

async function tokenRequest(
	request: Request,
	fields: Record<string, string>,
	headers: Record<string, string> = {}
) {
	return request('/oauth/token', form(fields, headers))
}

describe('admin routes need the admin scope', () => {
	const routes: Array<[string, string, unknown?]> = [
		['GET', '/admin/users'],
		['PATCH', '/admin/users/1', { disabled: true }],
		['GET', '/admin/clients'],
		[
			'POST',
			'/admin/clients',
			{ client_id: 'x', confidential: true, grants: ['password'], scopes: ['profile'] }
		],
		['DELETE', '/admin/clients/demo-app'],
		['GET', '/admin/audit']
	]
	const init = (method: string, body: unknown) => (body === undefined ? { method } : json(body, method))

	test('RFC 6750 §3: no token → 401 with a Bearer challenge', async () => {
		const { request } = await createTestApp()
		for (const [method, path, body] of routes) {
			const response = await request(path, init(method, body))
			expect(response.status).toBe(401)
			expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
		}
	})

	test('RFC 6750 §3.1: a user token without admin → 403 insufficient_scope, nothing changes', async () => {
		const { request, tessera } = await createTestApp()
		const { access_token } = await login(request)
		for (const [method, path, body] of routes) {
			const response = await request(path, bearer(access_token, init(method, body)))
			expect(response.status).toBe(403)
			expect(await response.json()).toEqual({
				error: 'insufficient_scope',
				error_description: 'The access token lacks a required scope',
				scope: 'admin'
			})
		}
		expect((await tessera.users.find(JOHNDOE_ID))!.disabled).toBe(false)
		expect(await tessera.clients.find('demo-app')).toBeDefined()
		expect(await tessera.clients.find('x')).toBeUndefined()
	})

	test('RFC 6750 §3.1: a client_credentials token without admin → 403', async () => {
		const { request } = await createTestApp()
		const token = (
			await bodyOf(
				tokenRequest(
					request,
					{ grant_type: 'client_credentials' },
					{ authorization: basic('demo-service', 'demo-service-secret') }
				)
			)
		).access_token
		const response = await request('/admin/users', bearer(token))
		expect(response.status).toBe(403)
		expect((await response.json()).error).toBe('insufficient_scope')
	})
})

describe('GET /admin/users', () => {
	test('docs/contract.md: lists users, oldest first, never a hash', async () => {
		const { as } = await adminApp()
		const response = await as('/admin/users')
		expect(response.status).toBe(200)
		const page = await bodyOf(response)
		expect(page.next_cursor).toBeNull()
		expect(page.items.map((u: any) => u.username)).toEqual(['johndoe', 'alice', 'admin'])
		expect(page.items[0]).toEqual({
			id: JOHNDOE_ID,
			username: 'johndoe',
			email: 'johndoe@example.com',
			full_name: 'John Doe',
			disabled: false,
			scopes: ['profile', 'posts:read', 'posts:write'],
			created_at: expect.stringMatching(ISO)
		})
		expect(JSON.stringify(page)).not.toContain('argon2')
	})

	test('docs/contract.md: filters username_prefix (LIKE wildcards taken literally) and disabled', async () => {
		const { as, request } = await adminApp()
		expect((await request('/users', json({ username: 'a_b', password: 'correct horse' }))).status).toBe(
			201
		)
		const names = async (query: string) =>
			(await bodyOf(as(`/admin/users?${query}`))).items.map((u: any) => u.username)
		expect(await names('username_prefix=al')).toEqual(['alice'])
		expect(await names('username_prefix=a_')).toEqual(['a_b'])
		expect(await names('username_prefix=%25')).toEqual([])
		expect(await names('username_prefix=Al')).toEqual([])
		expect(await names('disabled=true')).toEqual(['alice'])
		expect(await names('disabled=false')).toEqual(['johndoe', 'admin', 'a_b'])
		expect(await names('disabled=false&username_prefix=a')).toEqual(['admin', 'a_b'])
	})

	test('docs/contract.md: bad filters and limits → 400 invalid_request', async () => {
		const { as } = await adminApp()
		for (const [query, description] of [
			['disabled=yes', 'The parameter disabled must be true or false'],
			['disabled=1', 'The parameter disabled must be true or false'],
			['username_prefix=' + 'a'.repeat(33), 'The parameter username_prefix is malformed or too long'],
			['limit=101', 'The parameter limit must be an integer from 1 to 100'],
			['limit=0', 'The parameter limit must be an integer from 1 to 100'],
			['cursor=nope', 'The cursor is invalid; pass the next_cursor of the previous page']
		]) {
			const response = await as(`/admin/users?${query}`)
			expect(response.status).toBe(400)
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: description
			})
		}
	})

	test('docs/contract.md: pages walk every user exactly once, filters kept', async () => {
		const { as } = await adminApp()
		const seen: string[] = []
		let cursor: string | null = null
		do {
			const page: any = await bodyOf(
				as(`/admin/users?limit=1&disabled=false${cursor ? `&cursor=${cursor}` : ''}`)
			)
			seen.push(...page.items.map((u: any) => u.username))
			cursor = page.next_cursor
		} while (cursor)
		expect(seen).toEqual(['johndoe', 'admin'])
	})
})

describe('PATCH /admin/users/:id', () => {
	test('docs/contract.md: disabling a user ends their sessions at once; login is refused', async () => {
		const { as, request, tessera } = await adminApp()
		const john = await login(request)
		const response = await as(`/admin/users/${JOHNDOE_ID}`, json({ disabled: true }, 'PATCH'))
		expect(response.status).toBe(200)
		expect(await response.json()).toMatchObject({ id: JOHNDOE_ID, username: 'johndoe', disabled: true })
		// The access token is refused at once, and its refresh token too.
		expect((await request('/users/me', bearer(john.access_token))).status).toBe(403)
		const refresh = await tokenRequest(request, {
			grant_type: 'refresh_token',
			refresh_token: john.refresh_token!
		})
		expect(refresh.status).toBe(400)
		expect((await refresh.json()).error).toBe('invalid_grant')
		const relogin = await tokenRequest(request, {
			grant_type: 'password',
			username: 'johndoe',
			password: 'secret'
		})
		expect(relogin.status).toBe(400)
		expect((await relogin.json()).error).toBe('invalid_grant')
		const live = await databaseOf(tessera).all<{ end_reason: string | null }>(
			sql`SELECT end_reason FROM tessera_sessions WHERE user_id = ${JOHNDOE_ID}`
		)
		expect(live.length).toBeGreaterThan(0)
		expect(live.every((s) => s.end_reason === 'user_disabled')).toBe(true)
		const audit = await bodyOf(as('/admin/audit?type=user.disabled'))
		expect(audit.items).toHaveLength(1)
		expect(audit.items[0]).toMatchObject({
			user_id: JOHNDOE_ID,
			detail: { by: 'user:3', sessions_ended: 1 }
		})
	})

	test('docs/contract.md: enabling lets the user log in again; the old session stays ended', async () => {
		const { as, request } = await adminApp()
		const before = await login(request)
		await as(`/admin/users/${JOHNDOE_ID}`, json({ disabled: true }, 'PATCH'))
		const response = await as(`/admin/users/${JOHNDOE_ID}`, json({ disabled: false }, 'PATCH'))
		expect(response.status).toBe(200)
		expect((await response.json()).disabled).toBe(false)
		const after = await login(request)
		expect((await request('/users/me', bearer(after.access_token))).status).toBe(200)
		const old = await request('/users/me', bearer(before.access_token))
		expect(old.status).toBe(401)
		expect((await old.json()).error).toBe('invalid_token')
		expect((await bodyOf(as('/admin/audit?type=user.enabled'))).items).toHaveLength(1)
	})

	test('docs/contract.md: an unchanged state records nothing', async () => {
		const { as } = await adminApp()
		expect((await as(`/admin/users/${JOHNDOE_ID}`, json({ disabled: false }, 'PATCH'))).status).toBe(200)
		const events = (await bodyOf(as('/admin/audit'))).items.map((e: any) => e.type)
		expect(events.filter((type: string) => type.startsWith('user.'))).toEqual([])
	})

	test('docs/contract.md: scopes from the catalog replace the user’s; taking one away ends their sessions', async () => {
		const { as, request } = await adminApp()
		const john = await login(request)
		const response = await as(
			`/admin/users/${JOHNDOE_ID}`,
			json({ scopes: ['profile', 'admin'] }, 'PATCH')
		)
		expect(response.status).toBe(200)
		expect((await response.json()).scopes).toEqual(['profile', 'admin'])
		expect((await request('/users/me', bearer(john.access_token))).status).toBe(401)
		expect((await login(request)).scope).toBe('profile admin')
		const [event] = (await bodyOf(as('/admin/audit?type=user.scopes_changed'))).items
		expect(event.detail).toEqual({ by: 'user:3', scopes: 'profile admin', sessions_ended: 1, session_ids: [expect.any(String)] })
	})

	test('docs/contract.md: only adding scopes keeps the user’s sessions', async () => {
		const { as, request } = await adminApp()
		const john = await login(request)
		const scopes = ['profile', 'posts:read', 'posts:write', 'admin']
		expect((await as(`/admin/users/${JOHNDOE_ID}`, json({ scopes }, 'PATCH'))).status).toBe(200)
		expect((await request('/users/me', bearer(john.access_token))).status).toBe(200)
	})

	test('docs/contract.md: an unknown scope, empty body or wrong type → 400 invalid_request, user unchanged', async () => {
		const { as, tessera } = await adminApp()
		for (const [body, description] of [
			[
				{ scopes: ['profile', 'root'] },
				'Invalid body at /scopes/1: Expected one of profile, posts:read, posts:write, admin'
			],
			[{ scopes: 'profile' }, 'Invalid body at /scopes: Expected array'],
			[{ disabled: 'yes' }, 'Invalid body at /disabled: Expected boolean'],
			[{}, 'Invalid body: Expected object to have at least 1 properties']
		] as const) {
			const response = await as(`/admin/users/${JOHNDOE_ID}`, json(body, 'PATCH'))
			expect(response.status).toBe(400)
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: description
			})
		}
		expect((await tessera.users.find(JOHNDOE_ID))!.scopes).toEqual(['profile', 'posts:read', 'posts:write'])
	})

	test('docs/contract.md: a missing or malformed user id → 404', async () => {
		const { as } = await adminApp()
		for (const id of ['999', 'abc', '0', '99999999999999999999']) {
			const response = await as(`/admin/users/${id}`, json({ disabled: true }, 'PATCH'))
			expect(response.status).toBe(404)
			expect((await response.json()).error).toBe('not_found')
		}
	})
})

describe('GET /admin/clients', () => {
	test('docs/contract.md: lists clients by client_id, never a secret or hash', async () => {
		const { as } = await adminApp()
		const response = await as('/admin/clients')
		expect(response.status).toBe(200)
		const page = await bodyOf(response)
		expect(page.items.map((c: any) => c.client_id)).toEqual(['default', 'demo-app', 'demo-service'])
		expect(page.items[2]).toEqual({
			client_id: 'demo-service',
			name: 'Demo service',
			confidential: true,
			grants: ['client_credentials'],
			scopes: ['posts:read'],
			created_at: expect.stringMatching(ISO)
		})
		const text = JSON.stringify(page)
		expect(text).not.toContain('secret_hash')
		expect(text).not.toContain('secretHash')
		expect(text).not.toContain('demo-service-secret')
	})

	test('docs/contract.md: pages of one walk every client once', async () => {
		const { as } = await adminApp()
		const seen: string[] = []
		let cursor: string | null = null
		do {
			const page: any = await bodyOf(as(`/admin/clients?limit=1${cursor ? `&cursor=${cursor}` : ''}`))
			seen.push(...page.items.map((c: any) => c.client_id))
			cursor = page.next_cursor
		} while (cursor)
		expect(seen).toEqual(['default', 'demo-app', 'demo-service'])
	})
})

describe('POST /admin/clients', () => {
	const confidential = {
		client_id: 'reports',
		name: 'Reports',
		confidential: true,
		grants: ['client_credentials'],
		scopes: ['posts:read']
	}

	test('docs/contract.md: creates a confidential client → 201 with client_secret shown once; the secret works', async () => {
		const { as, request } = await adminApp()
		const response = await as('/admin/clients', json(confidential))
		expect(response.status).toBe(201)
		expect(response.headers.get('cache-control')).toBe('no-store')
		const created = await response.json()
		expect(created).toEqual({
			client_id: 'reports',
			name: 'Reports',
			confidential: true,
			grants: ['client_credentials'],
			scopes: ['posts:read'],
			created_at: expect.stringMatching(ISO),
			client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)
		})
		const token = await tokenRequest(
			request,
			{ grant_type: 'client_credentials' },
			{ authorization: basic('reports', created.client_secret) }
		)
		expect(token.status).toBe(200)
		expect((await token.json()).scope).toBe('posts:read')
		// Shown once: the list never has it.
		expect(JSON.stringify(await bodyOf(as('/admin/clients')))).not.toContain(created.client_secret)
		const [event] = (await bodyOf(as('/admin/audit?type=client.created'))).items
		expect(event).toMatchObject({ client_id: 'reports', user_id: 3, detail: { by: 'user:3' } })
		expect(JSON.stringify(event)).not.toContain(created.client_secret)
	})

	test('docs/contract.md: a public client has no secret and logs users in with client_id alone', async () => {
		const { as, request } = await adminApp()
		const response = await as(
			'/admin/clients',
			json({
				client_id: 'mobile',
				confidential: false,
				grants: ['password', 'refresh_token'],
				scopes: ['profile']
			})
		)
		expect(response.status).toBe(201)
		const created = await response.json()
		expect(created.client_secret).toBeUndefined()
		expect(created.confidential).toBe(false)
		const token = await tokenRequest(request, {
			grant_type: 'password',
			username: 'johndoe',
			password: 'secret',
			client_id: 'mobile'
		})
		expect(token.status).toBe(200)
		expect((await token.json()).scope).toBe('profile')
	})

	test('RFC 6749 §4.4.2: a public client with client_credentials → 400, nothing created', async () => {
		const { as, tessera } = await adminApp()
		const response = await as('/admin/clients', json({ ...confidential, confidential: false }))
		expect(response.status).toBe(400)
		expect(await response.json()).toEqual({
			error: 'invalid_request',
			error_description: 'A public client may not use client_credentials; make it confidential'
		})
		expect(await tessera.clients.find('reports')).toBeUndefined()
	})

	test('docs/contract.md: duplicate client_id → 409', async () => {
		const { as } = await adminApp()
		for (const client_id of ['demo-app', 'default']) {
			const response = await as('/admin/clients', json({ ...confidential, client_id }))
			expect(response.status).toBe(409)
			expect(await response.json()).toEqual({
				error: 'conflict',
				error_description: 'The client_id is taken'
			})
		}
	})

	test('docs/contract.md: invalid client_id, grants or scopes → 400 invalid_request, nothing created', async () => {
		const { as, tessera } = await adminApp()
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ client_id: '1abc' }, '/client_id'],
			[{ client_id: 'a b' }, '/client_id'],
			[{ client_id: 'x'.repeat(65) }, '/client_id'],
			[{ client_id: '' }, '/client_id'],
			[{ grants: ['authorization_code'] }, '/grants/0'],
			[{ grants: [] }, '/grants'],
			[{ scopes: ['root'] }, '/scopes/0'],
			[{ scopes: [] }, '/scopes'],
			[{ confidential: 'yes' }, '/confidential'],
			[{ name: 'n'.repeat(201) }, '/name']
		]
		for (const [change, field] of cases) {
			const response = await as('/admin/clients', json({ ...confidential, ...change }))
			expect(response.status).toBe(400)
			const error = await response.json()
			expect(error.error).toBe('invalid_request')
			expect(error.error_description).toContain(`Invalid body at ${field}`)
		}
		const refresh = await as('/admin/clients', json({ ...confidential, grants: ['refresh_token'] }))
		expect(refresh.status).toBe(400)
		expect((await refresh.json()).error_description).toContain('refresh_token needs the password grant')
		expect((await bodyOf(as('/admin/clients'))).items).toHaveLength(3)
		expect(await tessera.clients.find('reports')).toBeUndefined()
	})
})

describe('DELETE /admin/clients/:client_id', () => {
	test('docs/contract.md: deleting a client → 204; its access and refresh tokens stop working at once', async () => {
		const { as, request, tessera } = await adminApp()
		const john = await login(
			request,
			'johndoe',
			'secret',
			{},
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		expect((await request('/users/me', bearer(john.access_token))).status).toBe(200)
		const response = await as('/admin/clients/demo-app', { method: 'DELETE' })
		expect(response.status).toBe(204)
		expect(await response.text()).toBe('')
		const me = await request('/users/me', bearer(john.access_token))
		expect(me.status).toBe(401)
		expect((await me.json()).error).toBe('invalid_token')
		// The sessions went with the client (foreign-key cascade), refresh tokens included.
		expect(
			await databaseOf(tessera).all(sql`SELECT id FROM tessera_sessions WHERE client_id = 'demo-app'`)
		).toEqual([])
		expect(
			await databaseOf(tessera).all(
				sql`SELECT token_hash FROM tessera_refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM tessera_sessions s WHERE s.id = t.session_id)`
			)
		).toEqual([])
		const refresh = await tokenRequest(
			request,
			{ grant_type: 'refresh_token', refresh_token: john.refresh_token! },
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		expect(refresh.status).toBe(401)
		expect((await refresh.json()).error).toBe('invalid_client')
		const [event] = (await bodyOf(as('/admin/audit?type=client.deleted'))).items
		expect(event).toMatchObject({ client_id: 'demo-app', user_id: 3, detail: { by: 'user:3' } })
	})

	test('docs/contract.md: a client_credentials token dies with its client', async () => {
		const { as, request } = await adminApp()
		const token = (
			await bodyOf(
				tokenRequest(
					request,
					{ grant_type: 'client_credentials' },
					{ authorization: basic('demo-service', 'demo-service-secret') }
				)
			)
		).access_token
		expect((await request('/posts', bearer(token))).status).toBe(200)
		expect((await as('/admin/clients/demo-service', { method: 'DELETE' })).status).toBe(204)
		const response = await request('/users/me/posts', bearer(token))
		expect(response.status).toBe(401)
		expect((await response.json()).error).toBe('invalid_token')
	})

	test('docs/contract.md: a missing client → 404', async () => {
		const { as } = await adminApp()
		for (const id of ['nope', '1x', '%20']) {
			const response = await as(`/admin/clients/${id}`, { method: 'DELETE' })
			expect(response.status).toBe(404)
			expect((await response.json()).error).toBe('not_found')
		}
	})

	test('docs/contract.md: the built-in client default cannot be deleted → 400, it keeps working', async () => {
		const { as, request } = await adminApp()
		const response = await as('/admin/clients/default', { method: 'DELETE' })
		expect(response.status).toBe(400)
		expect(await response.json()).toEqual({
			error: 'invalid_request',
			error_description:
				'The built-in client default cannot be deleted; set ALLOW_DEFAULT_CLIENT=false to switch it off'
		})
		expect((await login(request)).access_token).toEqual(expect.any(String))
	})
})

describe('GET /admin/audit', () => {
	test('docs/contract.md: events newest first with {id, at, type, user_id, client_id, address, detail}', async () => {
		const { as, request } = await adminApp()
		await tokenRequest(request, { grant_type: 'password', username: 'johndoe', password: 'wrong' })
		const page = await bodyOf(as('/admin/audit'))
		const ids = page.items.map((e: any) => e.id)
		expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a))
		expect(page.items[0]).toEqual({
			id: expect.any(Number),
			at: expect.stringMatching(ISO),
			type: 'login.failure',
			user_id: JOHNDOE_ID,
			client_id: 'default',
			address: null,
			detail: { reason: 'wrong password' }
		})
		expect(page.items.map((e: any) => e.type)).toContain('login.success')
	})

	test('docs/contract.md: filters user_id and type, and pages without gaps or duplicates', async () => {
		const { as, request } = await adminApp()
		for (let i = 0; i < 5; i++) await login(request)
		const john = await bodyOf(as(`/admin/audit?user_id=${JOHNDOE_ID}&type=login.success&limit=100`))
		expect(john.items).toHaveLength(5)
		expect(john.items.every((e: any) => e.user_id === JOHNDOE_ID && e.type === 'login.success')).toBe(
			true
		)
		const walked: number[] = []
		let cursor: string | null = null
		do {
			const page: any = await bodyOf(
				as(`/admin/audit?user_id=${JOHNDOE_ID}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
			)
			walked.push(...page.items.map((e: any) => e.id))
			cursor = page.next_cursor
		} while (cursor)
		expect(walked).toEqual(john.items.map((e: any) => e.id))
		expect((await bodyOf(as('/admin/audit?type=no.such_type'))).items).toEqual([])
	})

	test('docs/contract.md: bad filters → 400 invalid_request', async () => {
		const { as } = await adminApp()
		for (const query of [
			'user_id=abc',
			'user_id=0',
			'type=LOGIN',
			'type=login',
			'limit=-5',
			'cursor=%00'
		]) {
			const response = await as(`/admin/audit?${query}`)
			expect(response.status).toBe(400)
			expect((await response.json()).error).toBe('invalid_request')
		}
	})

	test('docs/contract.md: no password, token or secret in any event, nor a hash of one', async () => {
		const { as, request, tessera } = await adminApp()
		const john = await login(request)
		await tokenRequest(request, { grant_type: 'refresh_token', refresh_token: john.refresh_token! })
		const created = await bodyOf(
			as(
				'/admin/clients',
				json({
					client_id: 'c1',
					confidential: true,
					grants: ['client_credentials'],
					scopes: ['posts:read']
				})
			)
		)
		await as('/admin/clients/c1', { method: 'DELETE' })
		await as(`/admin/users/${JOHNDOE_ID}`, json({ disabled: true }, 'PATCH'))
		const text = JSON.stringify(await bodyOf(as('/admin/audit?limit=100')))
		const johnHash = (await tessera.store.users.findByUsername('johndoe'))!.passwordHash
		for (const secret of [
			'secret',
			'admin-secret',
			john.access_token,
			john.refresh_token!,
			created.client_secret,
			johnHash
		])
			expect(text).not.toContain(`"${secret}"`)
		expect(text).not.toContain(john.refresh_token!)
		expect(text).not.toContain(created.client_secret)
		expect(text).not.toContain('argon2')
	})
})
