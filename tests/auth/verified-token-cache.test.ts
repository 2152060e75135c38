/**
 * The verified-claims cache of AccessTokenVerifier may only skip the signature check of a token
 * it has verified before, never a session or user check, and never past the token's `exp`.
 * Each test first presents the token twice, so its claims are cached when the state changes.
 */
import { afterEach, describe, expect, setSystemTime, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/server/app'
import { SqliteStore } from '../../src/store/sqlite'
import { createTessera } from '../../src/tessera'
import { createTestApp, serverOptions, storeIndependent, type TestApp } from '../helpers/app'
import { bearer, form, login } from '../helpers/http'

const INVALID_TOKEN_CHALLENGE =
	'Bearer realm="tessera", error="invalid_token", error_description="The access token is invalid, expired or revoked"'

async function cachedToken(app: TestApp): Promise<string> {
	const { access_token } = await login(app.request)
	for (let i = 0; i < 2; i++)
		expect((await app.request('/users/me', bearer(access_token))).status).toBe(200)
	return access_token
}

async function expectInvalidToken(response: Response) {
	expect(response.status).toBe(401)
	expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE)
	expect(await response.json()).toEqual({
		error: 'invalid_token',
		error_description: 'The access token is invalid, expired or revoked'
	})
}

afterEach(() => setSystemTime())

describe('verified-claims cache', () => {
	test('docs/contract.md POST /auth/logout: a logged-out token is refused at once, though its claims are cached', async () => {
		const app = await createTestApp()
		const token = await cachedToken(app)
		expect((await app.request('/auth/logout', bearer(token, { method: 'POST' }))).status).toBe(204)
		await expectInvalidToken(await app.request('/users/me', bearer(token)))
	})

	test('docs/contract.md: ending the session of a refresh token refuses its cached access token at once', async () => {
		const app = await createTestApp()
		const tokens = await login(app.request)
		expect((await app.request('/users/me', bearer(tokens.access_token))).status).toBe(200)
		const revoked = await app.tessera.sessions.findByRefreshToken(tokens.refresh_token!)
		expect(await app.tessera.sessions.end(revoked!.session.id, 'revoked')).toBeTruthy()
		await expectInvalidToken(await app.request('/users/me', bearer(tokens.access_token)))
	})

	// A database file of its own, opened twice.
	storeIndependent(() =>
		test('docs/contract.md: a session ended through another connection to the database file (the CLI, another worker) is refused at once', async () => {
			const path = join(mkdtempSync(join(tmpdir(), 'tessera-fresh-')), 'tessera.sqlite')
			const tessera = await createTessera(serverOptions({ DATABASE_PATH: path }))
			const app = createApp(tessera, { registration: 'open' })
			const request = (p: string, init?: RequestInit) =>
				app.handle(new Request(`http://localhost${p}`, init))
			await tessera.users.create({
				username: 'carol',
				password: 'a long passphrase',
				scopes: ['profile']
			})
			const { access_token } = await login(request, 'carol', 'a long passphrase')
			for (let i = 0; i < 2; i++)
				expect((await request('/users/me', bearer(access_token))).status).toBe(200)
			const { sid } = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString())
			const other = SqliteStore.open(path)
			expect(
				await other.sessions.end({ sessionId: sid }, 'admin', Math.floor(Date.now() / 1000))
			).toHaveLength(1)
			await expectInvalidToken(await request('/users/me', bearer(access_token)))
			await other.close()
			await tessera.store.close()
		})
	)

	test('docs/contract.md: a user disabled while their token is cached gets 403', async () => {
		const app = await createTestApp()
		const token = await cachedToken(app)
		await app.tessera.users.update((await app.tessera.users.findByUsername('johndoe'))!.id, {
			disabled: true
		})
		const response = await app.request('/users/me', bearer(token))
		expect(response.status).toBe(403)
		expect(await response.json()).toEqual({
			error: 'forbidden',
			error_description: 'The user is disabled'
		})
	})

	test('RFC 7519 §4.1.4: a cached token is refused from its exp on', async () => {
		const app = await createTestApp()
		const token = await cachedToken(app)
		const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
		setSystemTime(new Date((exp - 1) * 1000))
		expect((await app.request('/users/me', bearer(token))).status).toBe(200)
		setSystemTime(new Date(exp * 1000))
		await expectInvalidToken(await app.request('/users/me', bearer(token)))
	})

	test('RFC 8725 §3.1: the cache is keyed by the whole token, so a cached token with another signature is refused', async () => {
		const app = await createTestApp()
		const token = await cachedToken(app)
		const at = token.length - 20
		const forged = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
		await expectInvalidToken(await app.request('/users/me', bearer(forged)))
		expect((await app.request('/users/me', bearer(token))).status).toBe(200)
	})

	test('RFC 7515 §2: another spelling of a cached token (same bytes, other trailing bits) is refused', async () => {
		const app = await createTestApp()
		const token = await cachedToken(app)
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
		// An RS256 signature is 256 bytes: its last base64url character carries 4 unused bits.
		const last = alphabet.indexOf(token.at(-1)!)
		const respelled = token.slice(0, -1) + alphabet[last ^ 1]
		expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(
			Buffer.from(token.split('.')[2]!, 'base64url')
		)
		await expectInvalidToken(await app.request('/users/me', bearer(respelled)))
	})

	test('RFC 6750 §3.1: the scope of a cached token is enforced on every request', async () => {
		const app = await createTestApp()
		const narrow = await login(app.request, 'johndoe', 'secret', { scope: 'posts:read' })
		for (let i = 0; i < 2; i++) {
			const response = await app.request('/users/me', bearer(narrow.access_token))
			expect(response.status).toBe(403)
			expect(response.headers.get('www-authenticate')).toBe(
				'Bearer realm="tessera", error="insufficient_scope", error_description="The access token lacks a required scope", scope="profile"'
			)
		}
		const wide = await login(app.request, 'johndoe', 'secret', { scope: 'profile' })
		for (let i = 0; i < 2; i++)
			expect((await app.request('/users/me', bearer(wide.access_token))).status).toBe(200)
	})

	test('RFC 6749 §6: a refresh mints a new token; the old one keeps working only while its session lives', async () => {
		const app = await createTestApp()
		const first = await login(app.request)
		expect((await app.request('/users/me', bearer(first.access_token))).status).toBe(200)
		const refreshed = await app.request(
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: first.refresh_token! })
		)
		const second = (await refreshed.json()) as { access_token: string }
		expect((await app.request('/users/me', bearer(first.access_token))).status).toBe(200)
		expect(
			(await app.request('/auth/logout', bearer(second.access_token, { method: 'POST' }))).status
		).toBe(204)
		await expectInvalidToken(await app.request('/users/me', bearer(first.access_token)))
		await expectInvalidToken(await app.request('/users/me', bearer(second.access_token)))
	})
})
