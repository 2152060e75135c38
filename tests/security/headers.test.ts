/**
 * docs/contract.md headers on every response: X-Content-Type-Options nosniff, Referrer-Policy
 * no-referrer, a Content-Security-Policy (the Swagger UI's allows only its own origin), no
 * X-Powered-By and no server version.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setSystemTime, test } from 'bun:test'
import { loadConfig } from '../../src/server/config'
import { SWAGGER_CSP } from '../../src/server/docs/swagger'
import { startServer, type RunningServer } from '../../src/server/run'
import { createTestApp, TEST_ENV } from '../helpers/app'
import { bearer, form, json, login } from '../helpers/http'

afterEach(() => setSystemTime())

const API_CSP = "default-src 'none'; frame-ancestors 'none'"
const SWAGGER_PATHS = /^\/swagger(\/assets\/.*)?$/

function expectSecurityHeaders(response: Response, what: string) {
	const headers = Object.fromEntries(response.headers)
	const label = `${what} → ${response.status}`
	expect({ label, nosniff: headers['x-content-type-options'] }).toEqual({ label, nosniff: 'nosniff' })
	expect({ label, referrer: headers['referrer-policy'] }).toEqual({ label, referrer: 'no-referrer' })
	expect({ label, csp: typeof headers['content-security-policy'] }).toEqual({ label, csp: 'string' })
	expect({ label, poweredBy: headers['x-powered-by'] }).toEqual({ label, poweredBy: undefined })
	expect({ label, server: headers.server }).toEqual({ label, server: undefined })
	for (const [name, value] of Object.entries(headers))
		expect({ label, header: `${name}: ${value}` }).not.toEqual({
			label,
			header: expect.stringMatching(/bun\/|elysia|\bv?\d+\.\d+\.\d+\b/i)
		})
}

describe('security headers on every response (docs/contract.md)', () => {
	test('docs/contract.md: every route, with its own method and with a wrong one, carries the headers', async () => {
		const { app, request } = await createTestApp()
		const routes = app.routes.map(({ method, path }) => ({ method, path: path.replace(/:[^/]+/g, 'x') }))
		expect(routes.length).toBeGreaterThan(5)
		for (const { method, path } of routes) {
			for (const m of [method, method === 'GET' ? 'DELETE' : 'GET']) {
				const response = await request(path, { method: m })
				expectSecurityHeaders(response, `${m} ${path}`)
				if (!SWAGGER_PATHS.test(path) || response.status >= 400)
					expect(response.headers.get('content-security-policy')).toBe(API_CSP)
			}
		}
	})

	test('docs/contract.md: errors of every kind carry them too: 400, 401, 403, 404, 413, 429', async () => {
		// Frozen, so the 1 s throttle block cannot run out between the failures and the 429.
		setSystemTime(new Date(1_800_000_000_000))
		const { request } = await createTestApp()
		const narrow = await login(request, 'admin', 'admin-secret', { scope: 'posts:read' })
		for (let i = 0; i < 5; i++)
			await request('/oauth/token', form({ grant_type: 'password', username: 'victim', password: 'x' }))
		const cases: [string, Promise<Response>, number][] = [
			['bad token request', request('/oauth/token', form({ grant_type: 'nope' })), 400],
			[
				'bad JSON',
				request('/users', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: '{'
				}),
				400
			],
			['no token', request('/users/me'), 401],
			['bad token', request('/users/me', bearer('a.b.c')), 401],
			['missing scope', request('/users/me', bearer(narrow.access_token)), 403],
			['unknown path', request('/nowhere'), 404],
			['unknown asset', request('/swagger/assets/nope.js'), 404],
			['oversized body', request('/oauth/token', form(`pad=${'a'.repeat(70_000)}`)), 413],
			['oversized JSON', request('/users', json({ pad: 'a'.repeat(140_000) })), 413],
			[
				'throttled login',
				request('/oauth/token', form({ grant_type: 'password', username: 'victim', password: 'x' })),
				429
			]
		]
		for (const [what, pending, status] of cases) {
			const response = await pending
			expect({ what, status: response.status }).toEqual({ what, status })
			expectSecurityHeaders(response, what)
			expect(response.headers.get('content-security-policy')).toBe(API_CSP)
		}
	})

	test('docs/contract.md: the Swagger UI page and its assets carry a CSP that allows only their own origin', async () => {
		const { request } = await createTestApp()
		for (const path of [
			'/swagger',
			'/swagger/assets/swagger-ui-bundle.js',
			'/swagger/assets/swagger-ui.css',
			'/swagger/assets/init.js'
		]) {
			const response = await request(path)
			expect(response.status).toBe(200)
			expectSecurityHeaders(response, path)
			const csp = response.headers.get('content-security-policy')!
			expect(csp).toBe(SWAGGER_CSP)
			// Only 'self' as a source: no other origin, no scheme wildcard, no inline or eval'd script.
			expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'|data:.*script/)
			expect(csp).toContain("script-src 'self';")
			expect(csp).toContain("frame-ancestors 'none'")
		}
	})
})

describe('security headers from a real server (Bun.serve adds nothing of its own)', () => {
	let server: RunningServer
	beforeAll(async () => {
		server = await startServer(loadConfig({ ...TEST_ENV, PORT: '0', HOST: '127.0.0.1' }))
	})
	afterAll(() => server.stop())

	test('docs/contract.md: no Server or X-Powered-By header, no version anywhere, over the wire', async () => {
		for (const [path, init] of [
			['/health', {}],
			['/swagger', {}],
			['/nowhere', {}],
			['/oauth/token', { method: 'POST', body: 'grant_type=password' }],
			['/users/me', { headers: { authorization: 'Bearer x.y.z' } }]
		] as const) {
			const response = await fetch(`${server.url}${path}`, init)
			await response.arrayBuffer()
			expectSecurityHeaders(response, path)
		}
	})
})
