/**
 * RFC 9110 §15.5.6: a path Tessera serves, asked with a method it does not serve → 405 JSON with
 * an Allow header naming the methods it does serve; a path it does not serve stays 404 JSON
 * (docs/contract.md: every error body is JSON).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/run'
import { createTestApp, TEST_ENV } from '../helpers/app'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

async function expect405(response: Response, method: string, allow: string) {
	expect(response.status).toBe(405)
	expect(response.headers.get('allow')).toBe(allow)
	expect(response.headers.get('content-type')).toStartWith('application/json')
	expect(response.headers.get('x-content-type-options')).toBe('nosniff')
	// RFC 9110 §9.3.2: the answer to HEAD has no content (the server drops it).
	if (method !== 'HEAD')
		expect(await response.json()).toEqual({
			error: 'method_not_allowed',
			error_description: `This path accepts only ${allow}`
		})
}

describe('RFC 9110 §15.5.6: 405 with Allow on a known path', () => {
	test.each([
		['GET', '/oauth/token', 'POST'],
		['PUT', '/oauth/token', 'POST'],
		['GET', '/oauth/revoke', 'POST'],
		['GET', '/oauth/introspect', 'POST'],
		['DELETE', '/users/me', 'GET, HEAD'],
		['POST', '/users/me', 'GET, HEAD'],
		['GET', '/users', 'POST'],
		['GET', '/users/me/password', 'PUT'],
		['GET', '/auth/logout', 'POST'],
		['POST', '/health', 'GET, HEAD'],
		['PUT', '/posts', 'GET, HEAD, POST'],
		// Path parameters: any one segment stands for the parameter.
		['PUT', '/posts/1', 'DELETE, GET, HEAD, PATCH'],
		['POST', '/posts/anything-at-all', 'DELETE, GET, HEAD, PATCH'],
		['GET', '/admin/clients/demo-app', 'DELETE'],
		['DELETE', '/admin/users/1', 'PATCH'],
		['POST', '/.well-known/jwks.json', 'GET, HEAD'],
		['OPTIONS', '/health', 'GET, HEAD'],
		['HEAD', '/oauth/token', 'POST'],
		// Elysia routes a trailing slash like the path without it.
		['GET', '/oauth/token/', 'POST']
	])('%s %s → 405, Allow: %s', async (method, path, allow) => {
		const { request } = await createTestApp()
		await expect405(await request(path, { method }), method, allow)
	})

	test('docs/contract.md: every route path answers every method it does not serve with 405, and its Allow lists what it serves', async () => {
		const { app, request } = await createTestApp()
		const served = new Map<string, Set<string>>()
		for (const { method, path } of app.routes) {
			const url = path.replace(/:[^/]+/g, 'x')
			served.set(url, (served.get(url) ?? new Set()).add(method))
			if (method === 'GET') served.get(url)!.add('HEAD')
		}
		for (const [url, methods] of served) {
			const allow = [...methods].sort().join(', ')
			for (const method of METHODS.filter((m) => !methods.has(m))) {
				const response = await request(url, { method })
				expect({
					route: `${method} ${url}`,
					status: response.status,
					allow: response.headers.get('allow')
				}).toEqual({
					route: `${method} ${url}`,
					status: 405,
					allow
				})
			}
		}
	})

	test('docs/contract.md: a path no route serves stays 404 JSON, whatever the method', async () => {
		const { request } = await createTestApp()
		for (const path of [
			'/nowhere',
			'/oauth',
			'/oauth/tokens',
			'/posts/1/extra',
			'/users/me/x',
			'/admin',
			'/'
		])
			for (const method of ['GET', 'POST', 'DELETE']) {
				const response = await request(path, { method })
				expect({
					path,
					method,
					status: response.status,
					allow: response.headers.get('allow')
				}).toEqual({
					path,
					method,
					status: 404,
					allow: null
				})
				expect(await response.json()).toEqual({ error: 'not_found', error_description: 'Not found' })
			}
	})

	test('docs/contract.md: a 404 from a route itself (a missing post) stays 404', async () => {
		const { request } = await createTestApp()
		const response = await request('/posts/999999')
		expect(response.status).toBe(404)
		expect(response.headers.get('allow')).toBeNull()
	})
})

describe('RFC 9110 §15.5.6 on a real server (Bun.serve routes static paths itself)', () => {
	let server: RunningServer
	beforeAll(async () => {
		server = await startServer(loadConfig({ ...TEST_ENV, PORT: '0', HOST: '127.0.0.1' }))
	})
	afterAll(() => server.stop())

	test.each([
		['GET', '/oauth/token', 'POST'],
		['DELETE', '/users/me', 'GET, HEAD'],
		['PUT', '/posts/1', 'DELETE, GET, HEAD, PATCH'],
		['HEAD', '/oauth/token', 'POST']
	])('%s %s → 405 JSON, Allow: %s', async (method, path, allow) => {
		await expect405(await fetch(`${server.url}${path}`, { method }), method, allow)
	})

	test('RFC 9110 §9.3.2: HEAD on a GET route is served, not refused', async () => {
		const response = await fetch(`${server.url}/health`, { method: 'HEAD' })
		expect(response.status).toBe(200)
	})
})
