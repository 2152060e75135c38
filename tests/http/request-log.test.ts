/**
 * The request log line (docs/contract.md LOG_LEVEL: structured JSON logs on stdout): one JSON object per
 * request, with the path Elysia routed on and never the query string, which could carry secrets.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createLogger } from '../../src/http/logger'
import { createTestApp, storeIndependent } from '../helpers/app'
import { bearer, clientCredentials, form, json, login } from '../helpers/http'
import { spawnServer } from '../helpers/process'

// Real processes: their start-up time is the machine's, not the code's.
setDefaultTimeout(60_000)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** An app whose log lines are kept; `requests()` waits for the lines written after the responses. */
async function loggingApp(env: Record<string, string> = {}) {
	const lines: string[] = []
	const app = await createTestApp(env, { log: createLogger('info', (line) => lines.push(line)) })
	return {
		...app,
		async requests() {
			await new Promise((resolve) => setImmediate(resolve))
			return lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request')
		}
	}
}

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

// Processes, no store.
storeIndependent(() =>
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
)

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
			duration_ms: expect.any(Number),
			request_id: expect.stringMatching(UUID),
			// app.handle has no socket, so no address; a real server's is tested below.
			address: null
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

describe('request ids (docs/contract.md LOG_LEVEL)', () => {
	test('docs/contract.md: a well-formed X-Request-Id is echoed in the response and logged as request_id', async () => {
		const app = await loggingApp()
		const ids = ['abc', 'req-42', '0f1e2d3c.4b5a:6978_'.replace('_', '-'), 'a'.repeat(128)]
		for (const id of ids) {
			const response = await app.request('/health', { headers: { 'x-request-id': id } })
			expect(response.headers.get('x-request-id')).toBe(id)
		}
		expect((await app.requests()).map((entry) => entry.request_id)).toEqual(ids)
	})

	test('docs/contract.md: a missing or malformed X-Request-Id is replaced by a fresh UUID, one per request', async () => {
		const app = await loggingApp()
		const malformed = [
			'',
			'a'.repeat(129),
			'has space',
			'quote"d',
			'semi;colon',
			'slash/ed',
			'ünïcode',
			'<script>'
		]
		const echoed: string[] = []
		for (const id of [undefined, undefined, ...malformed]) {
			const response = await app.request(
				'/health',
				id === undefined ? {} : { headers: { 'x-request-id': id } }
			)
			echoed.push(response.headers.get('x-request-id')!)
		}
		for (const id of echoed) expect(id).toMatch(UUID)
		expect(new Set(echoed).size).toBe(echoed.length)
		expect((await app.requests()).map((entry) => entry.request_id)).toEqual(echoed)
	})

	test('docs/contract.md: every response carries X-Request-Id, errors included, and the log line names the same id', async () => {
		const app = await loggingApp()
		const cases: [string, RequestInit, number][] = [
			['/health', {}, 200],
			['/no/such/path', {}, 404],
			['/users/me', {}, 401],
			['/users/me', bearer('a.b.c'), 401],
			['/oauth/token', form({ grant_type: 'nope' }), 400],
			['/oauth/token', { method: 'GET' }, 405],
			['/users', json({ pad: 'a'.repeat(200_000) }), 413],
			['/users', { method: 'POST', headers: { 'content-length': String(2 ** 30) } }, 413],
			['/swagger', {}, 200],
			['/swagger/assets/swagger-ui.css', {}, 200]
		]
		const seen: [string, number, string | null][] = []
		for (const [path, init, status] of cases) {
			const response = await app.request(path, init)
			await response.arrayBuffer()
			expect({ path, status: response.status }).toEqual({ path, status })
			seen.push([path, status, response.headers.get('x-request-id')])
		}
		for (const [, , id] of seen) expect(id).toMatch(UUID)
		expect((await app.requests()).map((entry) => [entry.path, entry.status, entry.request_id])).toEqual(
			seen
		)
	})
})

describe('who a request was for (docs/contract.md LOG_LEVEL)', () => {
	test('RFC 6749 §3.2: a token request logs its authenticated client_id and the sub of the token it got', async () => {
		const app = await loggingApp()
		const me = await (
			await app.request('/users/me', bearer((await login(app.request)).access_token))
		).json()
		await clientCredentials(app.request, 'demo-service', 'demo-service-secret')
		await login(app.request, 'johndoe', 'secret', {
			client_id: 'demo-app',
			client_secret: 'demo-app-secret'
		})
		expect(
			(await app.requests()).map(({ path, status, client_id, sub }) => ({
				path,
				status,
				client_id,
				sub
			}))
		).toEqual([
			{ path: '/oauth/token', status: 200, client_id: 'default', sub: String(me.id) },
			{ path: '/users/me', status: 200, client_id: 'default', sub: String(me.id) },
			// RFC 9068 §2.2: a client_credentials token's subject is the client itself.
			{ path: '/oauth/token', status: 200, client_id: 'demo-service', sub: 'demo-service' },
			{ path: '/oauth/token', status: 200, client_id: 'demo-app', sub: String(me.id) }
		])
	})

	test('RFC 6749 §5.2: a refused token request logs the client it authenticated, and no sub; an unauthenticated one neither', async () => {
		const app = await loggingApp()
		await app.request(
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'wrong' })
		)
		await clientCredentials(app.request, 'demo-service', 'not-the-secret')
		const [refused, unauthenticated] = await app.requests()
		expect(refused).toMatchObject({ status: 400, client_id: 'default' })
		expect(refused).not.toHaveProperty('sub')
		expect(unauthenticated).toMatchObject({ status: 401 })
		expect(unauthenticated).not.toHaveProperty('client_id')
		expect(unauthenticated).not.toHaveProperty('sub')
	})

	test('RFC 6750 §3.1: a bearer request is logged with the client and sub of its token, even when it lacks the scope', async () => {
		const app = await loggingApp()
		const me = await (
			await app.request('/users/me', bearer((await login(app.request)).access_token))
		).json()
		const narrow = await login(app.request, 'johndoe', 'secret', { scope: 'posts:read' })
		expect((await app.request('/users/me', bearer(narrow.access_token))).status).toBe(403)
		expect((await app.request('/health')).status).toBe(200)
		const [, , , forbidden, anonymous] = await app.requests()
		expect(forbidden).toMatchObject({
			path: '/users/me',
			status: 403,
			client_id: 'default',
			sub: String(me.id)
		})
		expect(anonymous).not.toHaveProperty('client_id')
		expect(anonymous).not.toHaveProperty('sub')
	})

	test('docs/contract.md TRUST_PROXY: the address is the last X-Forwarded-For entry only when a proxy is trusted', async () => {
		const forwarded = { headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' } }
		const trusted = await loggingApp({ TRUST_PROXY: 'true' })
		await trusted.request('/health', forwarded)
		expect((await trusted.requests())[0]).toMatchObject({ address: '203.0.113.9' })
		const untrusted = await loggingApp()
		await untrusted.request('/health', forwarded)
		expect((await untrusted.requests())[0]).toMatchObject({ address: null })
	})

	// A server process with a store of its own.
	storeIndependent(() =>
		test('docs/contract.md TRUST_PROXY: a real server logs the socket address, and the X-Request-Id it answered', async () => {
			const server = await spawnServer({})
			try {
				const response = await fetch(`${server.base}/health?secret=x`, {
					headers: { 'x-request-id': 'from-the-client', 'x-forwarded-for': '203.0.113.9' }
				})
				expect(response.headers.get('x-request-id')).toBe('from-the-client')
				// The line comes down the server's stdout after the response.
				while (!server.lines.some((line) => line.msg === 'request')) await Bun.sleep(10)
				expect(server.lines.filter((line) => line.msg === 'request')).toEqual([
					expect.objectContaining({
						path: '/health',
						status: 200,
						request_id: 'from-the-client',
						address: '127.0.0.1'
					})
				])
			} finally {
				expect(await server.stop()).toBe(0)
			}
		})
	)
})
