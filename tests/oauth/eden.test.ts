/**
 * An Eden treaty client drives the OAuth endpoints as typed (tests/types/eden.ts checks the types):
 * the bodies it sends (JSON) are what the endpoints parse, and the answers are what it expects.
 */
import { treaty } from '@elysiajs/eden'
import { describe, expect, test } from 'bun:test'
import { createTestApp } from '../helpers/app'

describe('Eden treaty client over the server app', () => {
	test('password grant, a protected route, refresh, introspection and revocation', async () => {
		const { app } = await createTestApp()
		const api = treaty(app)
		const login = await api.oauth.token.post({
			grant_type: 'password',
			username: 'johndoe',
			password: 'secret',
			scope: 'profile'
		})
		expect(login.status).toBe(200)
		const tokens = login.data!
		expect(tokens.token_type).toBe('Bearer')
		expect(tokens.scope).toBe('profile')

		const me = await api.users.me.get({ headers: { authorization: `Bearer ${tokens.access_token}` } })
		expect(me.status).toBe(200)
		expect(me.data?.username).toBe('johndoe')

		const refreshed = await api.oauth.token.post({
			grant_type: 'refresh_token',
			refresh_token: tokens.refresh_token!
		})
		expect(refreshed.status).toBe(200)

		const admin = await api.oauth.token.post({
			grant_type: 'password',
			username: 'admin',
			password: 'admin-secret'
		})
		const state = await api.oauth.introspect.post(
			{ token: refreshed.data!.refresh_token! },
			{ headers: { authorization: `Bearer ${admin.data!.access_token}` } }
		)
		expect(state.data?.active).toBe(true)

		const revoked = await api.oauth.revoke.post({ token: refreshed.data!.refresh_token! })
		expect(revoked.status).toBe(200)
	})

	test('an error arrives as the typed error body with its status', async () => {
		const { app } = await createTestApp()
		const { data, error } = await treaty(app).oauth.token.post({
			grant_type: 'password',
			username: 'johndoe',
			password: 'wrong'
		})
		expect(data).toBeNull()
		expect(error?.status).toBe(400)
		expect(error?.value).toMatchObject({ error: 'invalid_grant' })
	})
})
