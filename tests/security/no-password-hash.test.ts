/**
 * docs/contract.md "Library": an account is never shown with its password hash, in its type
 * (tests/types/no-password-hash.ts) or at run time (here). Every route of the server app is
 * requested — the ones that return users and accounts with the requests that make them do so —
 * and no response body, success or error, holds `$argon2` or any stored hash.
 */
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { bearer, form, json, login } from '../helpers/http'

describe('no response contains a password hash', () => {
	test('every route of the server app, as a user and as an admin', async () => {
		const { app, request, tessera } = await createTestApp({ REGISTRATION: 'open' })
		const hashes = async () =>
			(
				await databaseOf(tessera).all<{ hash: string }>(
					sql`SELECT password_hash AS hash FROM tessera_users`
				)
			).map((row) => row.hash)
		// Otherwise the search below would prove nothing.
		expect((await hashes()).length).toBeGreaterThan(0)
		for (const hash of await hashes()) expect(hash).toStartWith('$argon2id$')

		const seen: string[] = []
		const requested = new Set<string>()
		// Which route a request reaches, so the sweep at the end can tell what is left.
		const routeOf = (method: string, path: string) =>
			app.routes.find(
				(route) =>
					route.method === method &&
					new RegExp(`^${route.path.replace(/:[a-z_]+/g, '[^/]+')}$`).test(path.split('?')[0]!)
			)?.path
		const send = async (method: string, path: string, init: RequestInit = {}) => {
			requested.add(`${method} ${routeOf(method, path)}`)
			const response = await request(path, { ...init, method })
			const text = await response.text()
			seen.push(`${method} ${path} ${response.status}\n${text}`)
			return { status: response.status, location: response.headers.get('location'), text }
		}

		const admin = (await login(request, 'admin', 'admin-secret')).access_token
		const john = await login(request, 'johndoe', 'secret')
		const asAdmin = (init: RequestInit = {}) => bearer(admin, init)
		const asJohn = (init: RequestInit = {}) => bearer(john.access_token, init)

		// Accounts: registration (201, 409, 400), the current user, the admin's list and changes.
		const created = await send(
			'POST',
			'/users',
			json({ username: 'carol', password: 'a long passphrase', email: 'carol@example.com' })
		)
		expect(created.status).toBe(201)
		const carol = (await tessera.users.findByUsername('carol'))!
		expect(
			(await send('POST', '/users', json({ username: 'Carol', password: 'a long passphrase' }))).status
		).toBe(409)
		await send('POST', '/users', json({ username: 'dave', password: 'short' }))
		expect((await send('GET', '/users/me', asJohn())).status).toBe(200)
		expect((await send('GET', '/admin/users?limit=100', asAdmin())).status).toBe(200)
		await send('GET', '/admin/users?username_prefix=car&disabled=false', asAdmin())
		const patched = await send(
			'PATCH',
			`/admin/users/${carol.id}`,
			asAdmin(json({ disabled: true, scopes: ['profile'] }, 'PATCH'))
		)
		expect(patched.status).toBe(200)
		await send('PATCH', '/admin/users/999999', asAdmin(json({ disabled: false }, 'PATCH')))
		const changed = await send(
			'PUT',
			'/users/me/password',
			asJohn(json({ current_password: 'secret', new_password: 'another long passphrase' }, 'PUT'))
		)
		expect(changed.status).toBeLessThan(300)
		// The audit trail records all of the above.
		expect((await send('GET', '/admin/audit?limit=100', asAdmin())).status).toBe(200)

		// Tokens: the grants, introspection of each kind (it names the user), revocation.
		const fresh = await login(request, 'johndoe', 'another long passphrase')
		await send(
			'POST',
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'wrong' })
		)
		const refreshed = await send(
			'POST',
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: fresh.refresh_token! })
		)
		const rotated = JSON.parse(refreshed.text)
		for (const token of [rotated.access_token, rotated.refresh_token]) {
			const state = await send('POST', '/oauth/introspect', asAdmin(form({ token })))
			expect(JSON.parse(state.text)).toMatchObject({ active: true, username: 'johndoe' })
		}
		await send('POST', '/oauth/revoke', form({ token: rotated.refresh_token }))

		// Posts carry their author.
		const author = (await login(request, 'johndoe', 'another long passphrase')).access_token
		const post = await send('POST', '/posts', bearer(author, json({ title: 'Hello', content: 'World' })))
		expect(post.status).toBe(201)
		const postPath = post.location!
		await send('GET', '/posts')
		await send('GET', postPath)
		await send('PATCH', postPath, bearer(author, json({ title: 'Hi' }, 'PATCH')))
		await send('GET', '/users/me/posts', bearer(author))
		await send('DELETE', postPath, bearer(author))
		await send('POST', '/auth/logout', bearer(author, { method: 'POST' }))

		// Clients.
		const client = json({
			client_id: 'shop',
			confidential: true,
			grants: ['client_credentials'],
			scopes: ['posts:read']
		})
		expect((await send('POST', '/admin/clients', asAdmin(client))).status).toBe(201)
		await send('GET', '/admin/clients', asAdmin())
		await send('DELETE', '/admin/clients/shop', asAdmin())

		// Every other route (and any added later) at least once, as the admin, with an empty body
		// where one is expected.
		for (const { method, path } of app.routes) {
			if (requested.has(`${method} ${path}`)) continue
			const concrete = path.replace(':file', 'init.js').replace(/:[a-z_]+/g, '1')
			const init = ['GET', 'HEAD', 'DELETE'].includes(method) ? asAdmin() : asAdmin(json({}, method))
			await send(method, concrete, init)
		}

		expect(app.routes.filter((route) => !requested.has(`${route.method} ${route.path}`))).toEqual([])
		const stored = await hashes()
		for (const text of seen) {
			expect(text).not.toContain('$argon2')
			for (const hash of stored) expect(text).not.toContain(hash.slice(hash.lastIndexOf('$') + 1))
		}
		// The account routes did answer with accounts.
		expect(seen.join('\n')).toContain('"username":"carol"')
	})
})
