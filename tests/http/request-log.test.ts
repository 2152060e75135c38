/**
 * The request log line (docs/contract.md LOG_LEVEL: structured JSON logs on stdout): one JSON object per
 * request, with the path Elysia routed on and never the query string, which could carry secrets.
 */
import { describe, expect, test } from 'bun:test'
import { createLogger } from '../../src/http/logger'
import { createTestApp } from '../helpers/app'
import { bearer, login } from '../helpers/http'

async function loggedRequests(path: string, init?: RequestInit) {
	const lines: string[] = []
	const app = await createTestApp({}, { log: createLogger('info', (line) => lines.push(line)) })
	const response = await app.request(path, init)
	await response.text()
	// The line is written after the response, in the next turn of the event loop.
	await new Promise((resolve) => setImmediate(resolve))
	return {
		response,
		entries: lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request')
	}
}

describe('stdout logger', () => {
	const logger = `${import.meta.dir}/../../src/http/logger.ts`
	const run = (code: string) =>
		Bun.spawnSync([process.execPath, '-e', `import { createLogger } from '${logger}'\n${code}`])
			.stdout.toString()
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line).msg)

	test('docs/contract.md LOG_LEVEL: lines batched for stdout are all written, in order, when the process ends', () => {
		expect(
			run("const log = createLogger('info'); for (let i = 0; i < 3; i++) log.info(`line ${i}`)")
		).toEqual(['line 0', 'line 1', 'line 2'])
	})

	test('docs/contract.md LOG_LEVEL: lines still pending at process.exit are written before exiting', () => {
		expect(
			run("const log = createLogger('info'); log.info('first'); log.warn('last'); process.exit(0)")
		).toEqual(['first', 'last'])
	})
})

describe('request log', () => {
	test('docs/contract.md LOG_LEVEL: one JSON line per request with method, path, status and duration', async () => {
		const { entries } = await loggedRequests('/health')
		expect(entries).toHaveLength(1)
		expect(entries[0]).toEqual({
			time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
			level: 'info',
			msg: 'request',
			method: 'GET',
			path: '/health',
			status: 200,
			duration_ms: expect.any(Number)
		})
	})

	test('docs/contract.md secure by default: the query string never reaches the log', async () => {
		const { entries } = await loggedRequests('/health?access_token=secret-value&password=hunter2')
		expect(entries.map((entry) => entry.path)).toEqual(['/health'])
		expect(JSON.stringify(entries)).not.toContain('secret-value')
		expect(JSON.stringify(entries)).not.toContain('hunter2')
	})

	test('RFC 6750 §3.1: a refused request is logged with its status, and the token is not', async () => {
		const { response, entries } = await loggedRequests('/users/me?x=1', bearer('not-a-valid-token'))
		expect(response.status).toBe(401)
		expect(entries).toMatchObject([{ method: 'GET', path: '/users/me', status: 401 }])
		expect(JSON.stringify(entries)).not.toContain('not-a-valid-token')
	})

	test('docs/contract.md: an unknown path is logged as requested, with its 404', async () => {
		const { response, entries } = await loggedRequests('/no/such/route?q=1')
		expect(response.status).toBe(404)
		expect(entries).toMatchObject([{ method: 'GET', path: '/no/such/route', status: 404 }])
	})

	test('RFC 6749 §4.3: a login is logged without the credentials', async () => {
		const lines: string[] = []
		const app = await createTestApp({}, { log: createLogger('info', (line) => lines.push(line)) })
		await login(app.request)
		await new Promise((resolve) => setImmediate(resolve))
		expect(lines.some((line) => line.includes('"path":"/oauth/token"'))).toBe(true)
		expect(lines.join('\n')).not.toContain('"secret"')
	})
})
