/**
 * Bounded inputs (docs/contract.md: a body over the size limit → 413 JSON; no request, however malformed,
 * gets a 500). In-process through app.handle, and against a real listening server where the
 * runtime's own limits (header size, chunked bodies, Bun's request body cap) come into play.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/server/config'
import { JSON_BODY_LIMIT, OAUTH_BODY_LIMIT } from '../../src/http/body'
import { REQUEST_BODY_CEILING } from '../../src/http/request-limits'
import { MAX_PARAM_LENGTH } from '../../src/oauth/form'
import { startServer, type RunningServer } from '../../src/server/run'
import { createTestApp, storeIndependent, TEST_ENV } from '../helpers/app'
import { basic, bearer, form, json, login } from '../helpers/http'

const tooLarge = (limit: number) => ({
	error: 'payload_too_large',
	error_description: `The request body exceeds ${limit} bytes`
})

async function expectJsonError(response: Response, status: number, error?: string) {
	expect(response.status).toBe(status)
	expect(response.headers.get('content-type')).toStartWith('application/json')
	const body = (await response.json()) as any
	expect(typeof body.error).toBe('string')
	expect(typeof body.error_description).toBe('string')
	if (error) expect(body.error).toBe(error)
	return body
}

/** A body that arrives in chunks, with no Content-Length (Transfer-Encoding: chunked). */
function chunked(totalBytes: number, prefix = ''): ReadableStream<Uint8Array> {
	const head = new TextEncoder().encode(prefix)
	let sent = 0
	return new ReadableStream({
		pull(controller) {
			if (sent >= totalBytes) return controller.close()
			const chunk =
				sent === 0 && head.byteLength > 0
					? head
					: new Uint8Array(Math.min(16 * 1024, totalBytes - sent)).fill(0x61)
			controller.enqueue(chunk)
			sent += chunk.byteLength
		}
	})
}

describe('request bodies in-process (docs/contract.md: 413 JSON error)', () => {
	test('docs/contract.md: every OAuth endpoint answers a form body over 64 KiB with 413 JSON', async () => {
		const { app, request } = await createTestApp()
		const oauthPosts = app.routes.filter((r) => r.method === 'POST' && r.path.startsWith('/oauth/'))
		expect(oauthPosts.map((r) => r.path)).toContain('/oauth/token')
		for (const { path } of oauthPosts) {
			const response = await request(
				path,
				form(`grant_type=password&pad=${'a'.repeat(OAUTH_BODY_LIMIT)}`)
			)
			expect(await expectJsonError(response, 413)).toEqual(tooLarge(OAUTH_BODY_LIMIT))
			const viaJson = await request(path, json({ pad: 'a'.repeat(OAUTH_BODY_LIMIT) }))
			expect(await expectJsonError(viaJson, 413)).toEqual(tooLarge(OAUTH_BODY_LIMIT))
		}
	})

	test('docs/contract.md: an OAuth body of exactly 64 KiB is read (and judged on its parameters)', async () => {
		const { request } = await createTestApp()
		const prefix = 'grant_type=password&username=johndoe&password=secret&pad='
		const body = prefix + 'a'.repeat(OAUTH_BODY_LIMIT - prefix.length)
		// The pad parameter itself is over the per-parameter bound, which proves the body was read.
		const response = await request('/oauth/token', form(body))
		expect(await expectJsonError(response, 400, 'invalid_request')).toEqual({
			error: 'invalid_request',
			error_description: "The parameter 'pad' is too long"
		})
	})

	test(`docs/contract.md: an OAuth parameter over ${MAX_PARAM_LENGTH} characters → 400 invalid_request`, async () => {
		const { request } = await createTestApp()
		for (const name of ['username', 'password', 'scope', 'client_id', 'refresh_token']) {
			const response = await request(
				'/oauth/token',
				form({
					grant_type: 'password',
					username: 'johndoe',
					password: 'secret',
					[name]: 'a'.repeat(MAX_PARAM_LENGTH + 1)
				})
			)
			expect(await expectJsonError(response, 400)).toEqual({
				error: 'invalid_request',
				error_description: `The parameter '${name}' is too long`
			})
		}
	})

	test('docs/contract.md: a JSON body over 128 KiB on the resource API → 413 JSON', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const big = { username: 'someone', password: 'p'.repeat(JSON_BODY_LIMIT) }
		expect(await expectJsonError(await request('/users', json(big)), 413)).toEqual(
			tooLarge(JSON_BODY_LIMIT)
		)
		const change = json({ current_password: 'secret', new_password: 'p'.repeat(JSON_BODY_LIMIT) }, 'PUT')
		expect(
			await expectJsonError(await request('/users/me/password', bearer(access_token, change)), 413)
		).toEqual(tooLarge(JSON_BODY_LIMIT))
	})

	test('docs/contract.md: every route that takes a body refuses one over its bound with 413, before its handler runs', async () => {
		const { app, request } = await createTestApp()
		const { access_token } = await login(request, 'admin', 'admin-secret')
		const routes = app.routes.filter((r) => r.method !== 'GET')
		expect(routes.map((r) => r.path)).toContain('/auth/logout')
		for (const { method, path } of routes) {
			const url = path.replace(/:[^/]+/g, '1')
			const limit = path.startsWith('/oauth/') ? OAUTH_BODY_LIMIT : JSON_BODY_LIMIT
			const response = await request(
				url,
				bearer(access_token, json({ pad: 'a'.repeat(limit) }, method))
			)
			expect({ route: `${method} ${path}`, body: await response.json() }).toEqual({
				route: `${method} ${path}`,
				body: tooLarge(limit)
			})
		}
		// Nothing ran: the token was not logged out, no post was deleted.
		expect((await request('/users/me', bearer(access_token))).status).toBe(200)
	})

	test('docs/contract.md: a non-JSON body on the resource API is bounded too, and refused as invalid_request', async () => {
		const { request } = await createTestApp()
		const text = { method: 'POST', headers: { 'content-type': 'text/plain' } }
		expect(
			await expectJsonError(
				await request('/users', { ...text, body: 'x'.repeat(JSON_BODY_LIMIT + 1) }),
				413
			)
		).toEqual(tooLarge(JSON_BODY_LIMIT))
		await expectJsonError(
			await request('/users', { ...text, body: 'username=abc&password=abcdefgh' }),
			400,
			'invalid_request'
		)
		const multipart = new FormData()
		multipart.set('username', 'formuser')
		multipart.set('password', 'long-enough-password')
		await expectJsonError(
			await request('/users', { method: 'POST', body: multipart }),
			400,
			'invalid_request'
		)
	})

	test('docs/contract.md: over-long fields of the resource API → 400 invalid_request', async () => {
		const { request } = await createTestApp()
		const valid = { username: 'newuser', password: 'long-enough-password' }
		for (const patch of [
			{ username: 'u'.repeat(33) },
			{ password: 'p'.repeat(1025) },
			{ password: 'é'.repeat(513) }, // 1026 bytes in 513 characters
			{ full_name: 'n'.repeat(201) },
			{ email: `${'e'.repeat(250)}@example.com` }
		]) {
			const response = await request('/users', json({ ...valid, ...patch }))
			await expectJsonError(response, 400, 'invalid_request')
		}
		expect((await request('/users', json(valid))).status).toBe(201)
	})

	test('RFC 6750 §3.1 / RFC 6749 §2.3: a 100 KB Authorization header → 401 JSON, never a 500', async () => {
		const { request } = await createTestApp()
		const huge = 'a'.repeat(100_000)
		const asBearer = await request('/users/me', { headers: { authorization: `Bearer ${huge}` } })
		await expectJsonError(asBearer, 401, 'invalid_token')
		expect(asBearer.headers.get('www-authenticate')).toStartWith(
			'Bearer realm="tessera", error="invalid_token"'
		)
		const asBasic = await request(
			'/oauth/token',
			form(
				{ grant_type: 'password', username: 'johndoe', password: 'secret' },
				{ authorization: `Basic ${huge}` }
			)
		)
		await expectJsonError(asBasic, 401, 'invalid_client')
		const otherScheme = await request('/users/me', { headers: { authorization: `Digest ${huge}` } })
		await expectJsonError(otherScheme, 401, 'unauthorized')
		const malformed = await request('/users/me', { headers: { authorization: `Bearer ${huge} x` } })
		await expectJsonError(malformed, 400, 'invalid_request')
		const basicPair = basic('c'.repeat(50_000), 's'.repeat(50_000))
		await expectJsonError(
			await request(
				'/oauth/token',
				form({ grant_type: 'client_credentials' }, { authorization: basicPair })
			),
			401,
			'invalid_client'
		)
	})
})

/** Sends `head` as it is over TCP (fetch never declares a length it does not send) and reads one response. */
function rawRequest(base: string, head: string): Promise<{ head: string; body: string }> {
	return new Promise((resolve, reject) => {
		let received = ''
		const done = (socket?: { end(): void }) => {
			const split = received.indexOf('\r\n\r\n')
			const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received)?.[1] ?? NaN)
			if (split === -1 || received.length < split + 4 + length) return false
			socket?.end()
			resolve({ head: received.slice(0, split), body: received.slice(split + 4, split + 4 + length) })
			return true
		}
		const url = new URL(base)
		Bun.connect({
			hostname: url.hostname,
			port: Number(url.port),
			socket: {
				open: (socket) => void socket.write(head),
				data: (socket, data) => {
					received += data.toString()
					done(socket)
				},
				close: () => {
					if (!done()) reject(new Error(`connection closed after ${JSON.stringify(received)}`))
				},
				error: (_, error) => reject(error)
			}
		}).catch(reject)
	})
}

// A server with a store of its own (its settings').
storeIndependent(() =>
	describe('a real server (Bun.serve): chunked bodies, the runtime’s caps', () => {
		let server: RunningServer
		beforeAll(async () => {
			server = await startServer(loadConfig({ ...TEST_ENV, PORT: '0', HOST: '127.0.0.1' }))
		})
		afterAll(() => server.stop())

		const post = (path: string, type: string, body: BodyInit, headers: Record<string, string> = {}) =>
			fetch(`${server.url}${path}`, {
				method: 'POST',
				headers: { 'content-type': type, ...headers },
				body,
				// @ts-expect-error Bun's fetch streams a request body with `duplex: 'half'` (Fetch standard)
				duplex: 'half'
			})

		test('docs/contract.md: a chunked form body without Content-Length that passes 64 KiB → 413 JSON', async () => {
			const response = await post(
				'/oauth/token',
				'application/x-www-form-urlencoded',
				chunked(OAUTH_BODY_LIMIT + 1)
			)
			expect(await expectJsonError(response, 413)).toEqual(tooLarge(OAUTH_BODY_LIMIT))
		})

		test('docs/contract.md: a chunked JSON body that passes 128 KiB → 413 JSON, also one far larger than any cap', async () => {
			for (const size of [JSON_BODY_LIMIT + 1, 8 * 1024 * 1024]) {
				const response = await post('/users', 'application/json', chunked(size))
				expect(await expectJsonError(response, 413)).toEqual(tooLarge(JSON_BODY_LIMIT))
			}
		})

		test('docs/contract.md: a chunked body of exactly the bound is read whole', async () => {
			const body = chunked(OAUTH_BODY_LIMIT, 'grant_type=password&pad=')
			const response = await post('/oauth/token', 'application/x-www-form-urlencoded', body)
			expect(await expectJsonError(response, 400)).toEqual({
				error: 'invalid_request',
				error_description: "The parameter 'pad' is too long"
			})
		})

		test('docs/contract.md: a declared Content-Length over the bound → 413 JSON without the body being read', async () => {
			const response = await post(
				'/oauth/token',
				'application/x-www-form-urlencoded',
				'a'.repeat(200_000)
			)
			expect(await expectJsonError(response, 413)).toEqual(tooLarge(OAUTH_BODY_LIMIT))
		})

		test('RFC 9110 §15.5.14: a 2 MiB body on any path, with or without a route or a body, → 413 JSON with the security headers', async () => {
			for (const path of ['/oauth/token', '/users', '/health', '/posts/1', '/no/such/path']) {
				const response = await post(path, 'application/json', 'a'.repeat(2 * 1024 * 1024))
				expect({ path, body: await expectJsonError(response, 413) }).toEqual({
					path,
					body: tooLarge(REQUEST_BODY_CEILING)
				})
				expect(response.headers.get('x-content-type-options')).toBe('nosniff')
				expect(response.headers.get('content-security-policy')).toBe(
					"default-src 'none'; frame-ancestors 'none'"
				)
			}
			expect((await fetch(`${server.url}/health`)).status).toBe(200)
		})

		test('RFC 9110 §15.5.14: a declared Content-Length of 100 MiB is refused with 413 JSON at once, before any body is sent', async () => {
			const started = performance.now()
			const answer = await rawRequest(
				server.url,
				'POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
					`Content-Length: ${100 * 1024 * 1024}\r\n\r\n`
			)
			expect(performance.now() - started).toBeLessThan(2_000)
			expect(answer.head).toStartWith('HTTP/1.1 413 ')
			expect(answer.head.toLowerCase()).toContain('content-type: application/json')
			expect(answer.head.toLowerCase()).toContain('x-content-type-options: nosniff')
			expect(JSON.parse(answer.body)).toEqual(tooLarge(REQUEST_BODY_CEILING))
			expect((await fetch(`${server.url}/health`)).status).toBe(200)
		})

		test('docs/contract.md: a chunked body of 2 MiB → 413 JSON, counted while it is read', async () => {
			for (const [path, type, limit] of [
				['/oauth/token', 'application/x-www-form-urlencoded', OAUTH_BODY_LIMIT],
				['/users', 'application/json', JSON_BODY_LIMIT]
			] as const) {
				const response = await post(path, type, chunked(2 * 1024 * 1024))
				expect({ path, body: await expectJsonError(response, 413) }).toEqual({
					path,
					body: tooLarge(limit)
				})
				expect(response.headers.get('x-content-type-options')).toBe('nosniff')
			}
		})

		test('RFC 6750 §3.1: an Authorization header of 12 KB reaches the app → 401 invalid_token JSON', async () => {
			const response = await fetch(`${server.url}/users/me`, {
				headers: { authorization: `Bearer ${'a'.repeat(12_000)}` }
			})
			await expectJsonError(response, 401, 'invalid_token')
		})

		test('limit: a 100 KB header is refused by the runtime itself with 431 (over Bun’s 16 KiB header cap), never a 500 or a hang', async () => {
			const response = await fetch(`${server.url}/users/me`, {
				headers: { authorization: `Bearer ${'a'.repeat(100_000)}` }
			})
			expect(response.status).toBe(431)
			expect((await fetch(`${server.url}/health`)).status).toBe(200)
		})
	})
)
