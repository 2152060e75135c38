import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { decodeJwt } from 'jose'
import { createTestApp, type TestApp } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { basic, bearer, form, login } from '../helpers/http'

const refresh = (
	refresh_token: string,
	fields: Record<string, string> = {},
	headers: Record<string, string> = {}
) => form({ grant_type: 'refresh_token', refresh_token, ...fields }, headers)

async function refreshed(
	{ request }: TestApp,
	token: string,
	fields: Record<string, string> = {},
	headers: Record<string, string> = {}
) {
	const response = await request('/oauth/token', refresh(token, fields, headers))
	return { status: response.status, body: (await response.json()) as any }
}

describe('POST /oauth/token — refresh_token grant (RFC 6749 §6, RFC 9700 §4.14)', () => {
	test('RFC 6749 §6: a refresh returns a new access token and a new (rotated) refresh token', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		const { status, body } = await refreshed(t, first.refresh_token!)
		expect(status).toBe(200)
		expect(body.refresh_token).not.toBe(first.refresh_token)
		expect(body.scope).toBe(first.scope)
		expect(decodeJwt(body.access_token).sid).toBe(decodeJwt(first.access_token).sid)
		expect((await t.request('/users/me', bearer(body.access_token))).status).toBe(200)
	})

	test('docs/contract.md: refresh tokens are stored only as SHA-256 hashes', async () => {
		const t = await createTestApp()
		const { refresh_token } = await login(t.request)
		const dump = await databaseOf(t.tessera).all(sql`SELECT * FROM tessera_refresh_tokens`)
		expect(JSON.stringify(dump)).not.toContain(refresh_token!)
		expect(dump.length).toBe(1)
		expect((dump[0] as any).token_hash).toMatch(/^[0-9a-f]{64}$/)
	})

	test('RFC 6749 §6: the scope may narrow; the new refresh token keeps the original scope', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		const narrow = await refreshed(t, first.refresh_token!, { scope: 'posts:read' })
		expect(narrow.status).toBe(200)
		expect(narrow.body.scope).toBe('posts:read')
		expect(decodeJwt(narrow.body.access_token).scope).toBe('posts:read')
		const again = await refreshed(t, narrow.body.refresh_token)
		expect(again.body.scope).toBe('profile posts:read posts:write')
	})

	test('RFC 6749 §6: widening the scope → invalid_scope, and the token is not consumed', async () => {
		const t = await createTestApp()
		const first = await login(t.request, 'johndoe', 'secret', { scope: 'profile' })
		const wide = await refreshed(t, first.refresh_token!, { scope: 'profile posts:write' })
		expect(wide.status).toBe(400)
		expect(wide.body.error).toBe('invalid_scope')
		expect((await refreshed(t, first.refresh_token!)).status).toBe(200)
	})

	test('RFC 6749 §6: missing refresh_token → invalid_request; unknown → invalid_grant', async () => {
		const t = await createTestApp()
		const missing = await t.request('/oauth/token', form({ grant_type: 'refresh_token' }))
		expect(missing.status).toBe(400)
		expect(((await missing.json()) as any).error).toBe('invalid_request')
		const unknown = await refreshed(t, 'not-a-token')
		expect(unknown).toEqual({
			status: 400,
			body: { error: 'invalid_grant', error_description: 'The grant is invalid, expired or revoked' }
		})
	})

	test('RFC 6749 §10.4: a refresh token is bound to its client; another client → invalid_grant, session intact', async () => {
		const t = await createTestApp()
		const first = await login(
			t.request,
			'johndoe',
			'secret',
			{},
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		const stolen = await refreshed(t, first.refresh_token!)
		expect(stolen.status).toBe(400)
		expect(stolen.body.error).toBe('invalid_grant')
		const own = await refreshed(
			t,
			first.refresh_token!,
			{},
			{ authorization: basic('demo-app', 'demo-app-secret') }
		)
		expect(own.status).toBe(200)
	})

	test('RFC 9700 §4.14.2: reuse of a rotated token ends the whole session, newest token included', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		const second = await refreshed(t, first.refresh_token!)
		const reuse = await refreshed(t, first.refresh_token!)
		expect(reuse.status).toBe(400)
		expect(reuse.body.error).toBe('invalid_grant')
		expect((await refreshed(t, second.body.refresh_token)).status).toBe(400)
		expect((await t.request('/users/me', bearer(second.body.access_token))).status).toBe(401)
		const { session } = (await t.tessera.store.sessions.findWithUser(
			String(decodeJwt(first.access_token).sid)
		))!
		expect(session.endReason).toBe('refresh_reuse')
		const [event] = await t.tessera.store.audit.list({ limit: 10, type: 'refresh.reuse_detected' })
		// Whose session was ended, so an operator can see it.
		expect(event).toMatchObject({
			userId: session.userId,
			clientId: 'default',
			detail: { session_id: session.id }
		})
		expect(session.userId).toBeNumber()
	})

	test('RFC 9700 §4.14.2: a session keeps only the refresh tokens reuse detection needs — its live one and the one rotated last', async () => {
		const t = await createTestApp()
		let token = (await login(t.request)).refresh_token!
		for (let i = 0; i < 30; i++) {
			const next = await refreshed(t, token)
			expect(next.status).toBe(200)
			token = next.body.refresh_token
		}
		const rows = await databaseOf(t.tessera).all(sql`SELECT token_hash FROM tessera_refresh_tokens`)
		expect(rows).toHaveLength(2)
	})

	test('docs/contract.md REFRESH_REUSE_GRACE: reuse within the grace is refused without ending the session', async () => {
		const t = await createTestApp({ REFRESH_REUSE_GRACE: '30' })
		const first = await login(t.request)
		const second = await refreshed(t, first.refresh_token!)
		const retry = await refreshed(t, first.refresh_token!)
		expect(retry.status).toBe(400)
		expect(retry.body.error).toBe('invalid_grant')
		expect((await refreshed(t, second.body.refresh_token)).status).toBe(200)
	})

	test('docs/contract.md: 20 concurrent refreshes of one token → exactly one success, over many rounds', async () => {
		const t = await createTestApp({ REFRESH_REUSE_GRACE: '60' })
		for (let round = 0; round < 25; round++) {
			const { refresh_token } = await login(t.request)
			const results = await Promise.all(Array.from({ length: 20 }, () => refreshed(t, refresh_token!)))
			expect(results.filter((r) => r.status === 200).length).toBe(1)
			expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant').length).toBe(
				19
			)
		}
	}, 30_000)

	test('docs/contract.md: an expired session cannot be refreshed, even with a fresh token', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		const fresh = await refreshed(t, first.refresh_token!)
		await databaseOf(t.tessera).run(
			sql`UPDATE tessera_sessions SET expires_at = ${Math.floor(Date.now() / 1000) - 1}`
		)
		const response = await refreshed(t, fresh.body.refresh_token)
		expect(response.status).toBe(400)
		expect(response.body.error).toBe('invalid_grant')
		expect((await t.request('/users/me', bearer(fresh.body.access_token))).status).toBe(401)
	})

	test('docs/contract.md: refresh tokens never outlive SESSION_MAX_AGE', async () => {
		const t = await createTestApp({ SESSION_MAX_AGE: '60', REFRESH_TOKEN_TTL: '3600' })
		await login(t.request)
		const row = (await databaseOf(t.tessera).get(
			sql`SELECT r.expires_at AS r, s.expires_at AS s FROM tessera_refresh_tokens r JOIN tessera_sessions s ON s.id = r.session_id`
		))!
		expect(row.r).toBe(row.s)
	})

	test('RFC 6749 §5.2: a disabled user cannot refresh', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		await databaseOf(t.tessera).run(
			sql`UPDATE tessera_users SET disabled = ${true} WHERE username = 'johndoe'`
		)
		const response = await refreshed(t, first.refresh_token!)
		expect(response.status).toBe(400)
		expect(response.body.error).toBe('invalid_grant')
	})

	test('docs/contract.md: logout ends the refresh token too', async () => {
		const t = await createTestApp()
		const first = await login(t.request)
		expect((await t.request('/auth/logout', bearer(first.access_token, { method: 'POST' }))).status).toBe(
			204
		)
		expect((await refreshed(t, first.refresh_token!)).status).toBe(400)
	})

	test('RFC 6749 §6: a client without the refresh_token grant gets no refresh token and cannot refresh', async () => {
		const t = await createTestApp()
		await t.tessera.clients.create({
			id: 'no-refresh',
			confidential: false,
			grants: ['password'],
			scopes: ['profile']
		})
		const tokens = await login(t.request, 'johndoe', 'secret', { client_id: 'no-refresh' })
		expect(tokens.refresh_token).toBeUndefined()
		const other = await login(t.request)
		const response = await t.request(
			'/oauth/token',
			refresh(other.refresh_token!, { client_id: 'no-refresh' })
		)
		expect(((await response.json()) as any).error).toBe('unauthorized_client')
	})
})
