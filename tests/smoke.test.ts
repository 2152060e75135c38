import { describe, expect, test } from 'bun:test'
import { createTestApp } from './helpers/app'
import { bearer, login } from './helpers/http'

describe('smoke', () => {
	test('docs/contract.md: GET /health answers ok', async () => {
		const { request } = await createTestApp()
		const response = await request('/health')
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ status: 'ok' })
	})

	test('RFC 6749 §4.3 + RFC 6750 §2.1: log in, then read /users/me with the token', async () => {
		const { request } = await createTestApp()
		const tokens = await login(request)
		const me = await request('/users/me', bearer(tokens.access_token))
		expect(me.status).toBe(200)
		expect(((await me.json()) as any).username).toBe('johndoe')
	})
})
