/**
 * The conditions under which SessionStore.rotate consumes a refresh token (one prepared UPDATE):
 * unused, unexpired, and of a live session of the presenting client — each one refused alone.
 */
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../helpers/app'
import { databaseOf, nowSeconds } from '../helpers/database'
import { basic, bearer, form, login } from '../helpers/http'

const refresh = (app: TestApp, refreshToken: string, headers: Record<string, string> = {}) =>
	app.request('/oauth/token', form({ grant_type: 'refresh_token', refresh_token: refreshToken }, headers))

async function expectInvalidGrant(response: Response) {
	expect(response.status).toBe(400)
	expect(await response.json()).toEqual({
		error: 'invalid_grant',
		error_description: 'The grant is invalid, expired or revoked'
	})
}

const sessionOf = async (app: TestApp, refreshToken: string) =>
	(await app.tessera.sessions.findByRefreshToken(refreshToken))!.session

describe('refresh token rotation', () => {
	test('RFC 6749 §6: a refresh rotates the token; the new one refreshes again', async () => {
		const app = await createTestApp()
		const first = await login(app.request)
		const response = await refresh(app, first.refresh_token!)
		expect(response.status).toBe(200)
		const second = (await response.json()) as { refresh_token: string; access_token: string }
		expect(second.refresh_token).not.toBe(first.refresh_token)
		expect((await app.request('/users/me', bearer(second.access_token))).status).toBe(200)
		expect((await refresh(app, second.refresh_token)).status).toBe(200)
	})

	test('RFC 9700 §4.14.2: a rotated token presented again is refused and ends the whole session', async () => {
		const app = await createTestApp()
		const first = await login(app.request)
		const second = (await (await refresh(app, first.refresh_token!)).json()) as {
			refresh_token: string
			access_token: string
		}
		await expectInvalidGrant(await refresh(app, first.refresh_token!))
		expect((await sessionOf(app, first.refresh_token!)).endReason).toBe('refresh_reuse')
		await expectInvalidGrant(await refresh(app, second.refresh_token))
		expect((await app.request('/users/me', bearer(second.access_token))).status).toBe(401)
	})

	test('RFC 6749 §10.4: another client cannot use the token, and its attempt ends nothing', async () => {
		const app = await createTestApp()
		const demoApp = { authorization: basic('demo-app', 'demo-app-secret') }
		const tokens = await login(app.request, 'johndoe', 'secret', {}, demoApp)
		await expectInvalidGrant(await refresh(app, tokens.refresh_token!))
		expect((await sessionOf(app, tokens.refresh_token!)).endedAt).toBeNull()
		expect((await refresh(app, tokens.refresh_token!, demoApp)).status).toBe(200)
	})

	test('docs/contract.md POST /auth/logout: the refresh token of a logged-out session is refused', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		expect(
			(await app.request('/auth/logout', bearer(tokens.access_token, { method: 'POST' }))).status
		).toBe(204)
		await expectInvalidGrant(await refresh(app, tokens.refresh_token!))
	})

	test('docs/contract.md SESSION_MAX_AGE: the refresh token of a session past its absolute end is refused', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		const { id } = await sessionOf(app, tokens.refresh_token!)
		await databaseOf(app.tessera).run(
			sql`UPDATE tessera_sessions SET expires_at = ${nowSeconds() - 1} WHERE id = ${id}`
		)
		await expectInvalidGrant(await refresh(app, tokens.refresh_token!))
	})

	test('docs/contract.md REFRESH_TOKEN_TTL: an expired refresh token is refused', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		await databaseOf(app.tessera).run(
			sql`UPDATE tessera_refresh_tokens SET expires_at = ${nowSeconds() - 1}`
		)
		await expectInvalidGrant(await refresh(app, tokens.refresh_token!))
		expect((await sessionOf(app, tokens.refresh_token!)).endedAt).toBeNull()
	})

	test('RFC 6749 §6: two concurrent refreshes with the same token — exactly one wins', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		const statuses = (
			await Promise.all([refresh(app, tokens.refresh_token!), refresh(app, tokens.refresh_token!)])
		).map((r) => r.status)
		expect(statuses.sort()).toEqual([200, 400])
	})
})
