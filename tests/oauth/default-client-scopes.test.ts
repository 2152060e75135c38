/**
 * docs/contract.md settings: DEFAULT_CLIENT_SCOPES, the scopes the built-in public client
 * `default` may grant. A token's scope is the requested one intersected with what the user and
 * the client allow (RFC 6749 §3.3): with `bun run start` the public client cannot hand out
 * `admin`, whatever the user holds. The setting is applied to the stored client at every start.
 */
import { describe, expect, test } from 'bun:test'
import { DEMO_DEFAULTS } from '../../src/server/config'
import { createTestApp } from '../helpers/app'
import { bearer, body, form, login } from '../helpers/http'

/** The setting left unset (the test environment sets it, as the demo would). */
const UNSET = { DEFAULT_CLIENT_SCOPES: '' }

const adminLogin = (scope?: string) =>
	form({ grant_type: 'password', username: 'admin', password: 'admin-secret', ...(scope ? { scope } : {}) })

describe('DEFAULT_CLIENT_SCOPES (docs/contract.md settings; RFC 6749 §3.3)', () => {
	test('docs/contract.md: `bun run start` defaults — the client `default` cannot grant admin, even to an admin user', async () => {
		// The seeded database's `default` client had every scope: the start brings it in line.
		const { request } = await createTestApp(UNSET)
		const asked = await request('/oauth/token', adminLogin('admin'))
		expect(asked.status).toBe(400)
		expect((await body(asked)).error).toBe('invalid_scope')

		// No scope requested: everything allowed is granted, admin silently left out (§3.3).
		const token = await login(request, 'admin', 'admin-secret')
		expect(token.scope).toBe('profile posts:read posts:write')
		const admin = await request('/admin/users', bearer(token.access_token))
		expect(admin.status).toBe(403)
		expect((await body(admin)).error).toBe('insufficient_scope')
	})

	test('docs/contract.md: demo defaults — the client `default` grants admin to the admin user', async () => {
		const { request } = await createTestApp(UNSET, { defaults: DEMO_DEFAULTS })
		const token = await login(request, 'admin', 'admin-secret', { scope: 'admin' })
		expect(token.scope).toBe('admin')
		expect((await request('/admin/users', bearer(token.access_token))).status).toBe(200)
	})

	test('docs/contract.md: an explicit DEFAULT_CLIENT_SCOPES replaces the stored scopes at start, shown by GET /admin/clients', async () => {
		const first = await createTestApp()
		const adminToken = (await login(first.request, 'admin', 'admin-secret')).access_token
		const listed = await body(await first.request('/admin/clients', bearer(adminToken)))
		expect(listed.items.find((c: any) => c.client_id === 'default').scopes).toEqual([
			'profile',
			'posts:read',
			'posts:write',
			'admin'
		])

		const narrowed = await createTestApp({ DEFAULT_CLIENT_SCOPES: 'posts:read' })
		expect((await login(narrowed.request)).scope).toBe('posts:read')
		const refused = await narrowed.request(
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'secret', scope: 'profile' })
		)
		expect((await body(refused)).error).toBe('invalid_scope')
		const row = await narrowed.tessera.clients.find('default')
		expect(row).toMatchObject({ scopes: 'posts:read', grants: 'password refresh_token' })
	})
})
