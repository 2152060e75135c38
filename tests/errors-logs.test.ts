import { describe, expect, test } from 'bun:test'
import { createLogger } from '../src/http/logger'
import { sql } from 'drizzle-orm'
import { createTestApp } from './helpers/app'
import { databaseOf } from './helpers/database'
import { bearer, form, json, login } from './helpers/http'

describe('the one error model (docs/contract.md: never a 500 with a message or a stack)', () => {
	test('docs/contract.md: an unexpected exception → bare 500 server_error, no message, no stack', async () => {
		const { app } = await createTestApp()
		app.get('/boom', () => {
			throw new Error('database password is hunter2')
		})
		const response = await app.handle(new Request('http://localhost/boom'))
		expect(response.status).toBe(500)
		const text = await response.text()
		expect(JSON.parse(text)).toEqual({
			error: 'server_error',
			error_description: 'The server encountered an unexpected condition'
		})
		expect(text).not.toContain('hunter2')
	})

	test('docs/contract.md: an unknown path → 404 JSON', async () => {
		const { request } = await createTestApp()
		const response = await request('/nope')
		expect(response.status).toBe(404)
		expect(await response.json()).toEqual({ error: 'not_found', error_description: 'Not found' })
	})

	test('docs/contract.md: a malformed stored password hash is a failed login, never a crash', async () => {
		const { request, tessera } = await createTestApp()
		for (const hash of ['garbage', '$argon2id$v=19$m=19456,t=2,p=1$broken', '']) {
			await databaseOf(tessera).run(
				sql`UPDATE tessera_users SET password_hash = ${hash} WHERE username = 'johndoe'`
			)
			const response = await request(
				'/oauth/token',
				form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
			)
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_grant')
		}
	})
})

describe('structured logs (docs/contract.md: JSON lines; never a password, token or secret)', () => {
	test('docs/contract.md: one JSON line per request with method, path, status, duration; no secrets', async () => {
		const lines: string[] = []
		const log = createLogger('info', (line) => void lines.push(line))
		const { request } = await createTestApp({}, { log })
		const tokens = await login(request)
		await request('/users/me', bearer(tokens.access_token))
		await request('/users/me?access_token=leaky', bearer('bad.token.value'))
		await request(
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'wrong-password-xyz' })
		)
		await request('/users', json({ username: 'newbie', password: 'registration-pw' }))
		await new Promise((resolve) => setTimeout(resolve, 10))
		const entries = lines.map((line) => JSON.parse(line))
		const requests = entries.filter((e) => e.msg === 'request')
		expect(requests.length).toBeGreaterThanOrEqual(5)
		expect(requests[0]).toMatchObject({
			level: 'info',
			method: 'POST',
			path: '/oauth/token',
			status: 200,
			duration_ms: expect.any(Number)
		})
		expect(requests.map((r) => r.status)).toContain(401)
		expect(requests.some((r) => r.path === '/users/me' && !r.path.includes('?'))).toBe(true)
		const all = lines.join('')
		for (const secret of [
			'secret"',
			tokens.access_token,
			tokens.refresh_token!,
			'wrong-password-xyz',
			'registration-pw',
			'leaky'
		])
			expect(all).not.toContain(secret)
		expect(entries.some((e) => e.msg === 'audit' && e.event === 'login.success')).toBe(true)
	})

	test('docs/contract.md LOG_LEVEL: fields named like secrets are dropped whatever a caller passes', () => {
		const lines: string[] = []
		createLogger('debug', (line) => void lines.push(line)).info('x', {
			password: 'p',
			client_secret: 's',
			token: 't',
			user_id: 1
		})
		expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'x', user_id: 1 })
		expect(lines[0]).not.toMatch(/"p"|"s"|"t"/)
	})
})
