/**
 * GET /metrics (docs/contract.md): Prometheus text for a token with `admin`, counting what the app
 * did, per Tessera instance.
 */
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createApp } from '../../src/server/app'
import { loadConfig } from '../../src/server/config'
import { PostgresStore } from '../../src/store/postgres'
import { createTessera } from '../../src/tessera'
import { counter, histogram } from '../../src/metrics/exposition'
import {
	cheapHasher,
	createTestApp,
	ISSUER,
	serverOptions,
	storeIndependent,
	TEST_ENV,
	type TestApp
} from '../helpers/app'
import { holdArgon2 } from '../helpers/argon2'
import { databaseOf } from '../helpers/database'
import { basic, bearer, form, login } from '../helpers/http'
import { createDatabase, postgresAvailable, TEST_DATABASE_URL } from '../helpers/postgres'
import { startTcpProxy } from '../helpers/tcp-proxy'

type Send = TestApp['request']

/** The document, once the hooks that run after the last response have run. */
async function scrape(request: Send, token: string): Promise<string> {
	await new Promise((resolve) => setImmediate(resolve))
	const response = await request('/metrics', bearer(token))
	expect(response.status).toBe(200)
	return response.text()
}

interface Series {
	name: string
	labels: Record<string, string>
	value: number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*)?\\}`
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)'
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const HELP = new RegExp(`^# HELP (${NAME}) .+$`)

/**
 * Parses the text exposition format 0.0.4 strictly: every line a HELP, a TYPE or a sample; each
 * family's HELP and TYPE once, before its samples; a sample's name is its family's (or, for a
 * histogram, its _bucket, _sum or _count); no series twice; the document ends with a line feed.
 */
function parse(text: string): Series[] {
	expect(text.endsWith('\n')).toBe(true)
	const types = new Map<string, string>()
	const helped = new Set<string>()
	const seen = new Set<string>()
	const series: Series[] = []
	let family = ''
	for (const line of text.slice(0, -1).split('\n')) {
		const help = HELP.exec(line)
		const type = TYPE.exec(line)
		const sample = SAMPLE.exec(line)
		expect({ line, parses: Boolean(help || type || sample) }).toEqual({ line, parses: true })
		if (help) {
			expect(helped.has(help[1]!)).toBe(false)
			helped.add(help[1]!)
			family = help[1]!
		} else if (type) {
			expect({ line, family: type[1] }).toEqual({ line, family })
			expect(types.has(type[1]!)).toBe(false)
			types.set(type[1]!, type[2]!)
		} else {
			const [, name, labelText = '', value] = sample!
			const suffixes = types.get(family) === 'histogram' ? ['_bucket', '_sum', '_count'] : ['']
			expect({ line, family: suffixes.some((suffix) => name === `${family}${suffix}`) }).toEqual({
				line,
				family: true
			})
			expect({ line, duplicate: seen.has(`${name}${labelText}`) }).toEqual({ line, duplicate: false })
			seen.add(`${name}${labelText}`)
			const labels = Object.fromEntries(
				[...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(
					([, key, raw]) => [key!, raw!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))]
				)
			)
			series.push({ name: name!, labels, value: value === '+Inf' ? Infinity : Number(value) })
		}
	}
	return series
}

/** The value of the one series with this name and these labels (0 when absent). */
function value(series: Series[], name: string, labels: Record<string, string> = {}): number {
	const found = series.filter(
		(s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v)
	)
	return found.reduce((sum, s) => sum + s.value, 0)
}

const adminToken = async (request: Send, username = 'admin', password = 'admin-secret') =>
	(await login(request, username, password)).access_token

describe('docs/contract.md: GET /metrics', () => {
	test('RFC 6750 §3: without a token → 401 with a bare Bearer challenge', async () => {
		const { request } = await createTestApp()
		const response = await request('/metrics')
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
	})

	test('RFC 6750 §3.1: a token without admin → 403 insufficient_scope, scope="admin"', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request, 'johndoe', 'secret')
		const response = await request('/metrics', bearer(access_token))
		expect(response.status).toBe(403)
		expect(await response.json()).toMatchObject({ error: 'insufficient_scope', scope: 'admin' })
	})

	test('docs/contract.md: a client_credentials token with admin may scrape (Prometheus oauth2)', async () => {
		const { request, tessera } = await createTestApp()
		const { secret } = await tessera.clients.create({
			id: 'prometheus',
			name: 'Prometheus',
			confidential: true,
			grants: ['client_credentials'],
			scopes: ['admin']
		})
		const token = await request(
			'/oauth/token',
			form(
				{ grant_type: 'client_credentials', scope: 'admin' },
				{ authorization: basic('prometheus', secret!) }
			)
		)
		const { access_token } = (await token.json()) as { access_token: string }
		expect(parse(await scrape(request, access_token)).length).toBeGreaterThan(0)
	})

	test('Prometheus exposition format 0.0.4: the document parses; content type and no caching', async () => {
		const { request } = await createTestApp()
		const token = await adminToken(request)
		await request('/posts/1')
		await request('/health')
		await new Promise((resolve) => setImmediate(resolve))
		const response = await request('/metrics', bearer(token))
		expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
		expect(response.headers.get('cache-control')).toBe('no-store')
		const text = await response.text()
		parse(text)
		for (const family of [
			'tessera_http_requests_total counter',
			'tessera_http_request_duration_seconds histogram',
			'tessera_logins_total counter',
			'tessera_tokens_issued_total counter',
			'tessera_refresh_token_reuse_total counter',
			'tessera_argon2_running gauge',
			'tessera_argon2_waiting gauge',
			'tessera_store_errors_total counter'
		])
			expect(text).toContain(`# TYPE ${family}\n`)
	})

	test('docs/contract.md: requests are counted by method, matched route pattern and status; latency by route', async () => {
		const { request } = await createTestApp()
		const token = await adminToken(request)
		for (let i = 0; i < 3; i++) expect((await request('/users/me', bearer(token))).status).toBe(200)
		expect((await request('/posts/1')).status).toBe(200)
		expect((await request('/posts/999999')).status).toBe(404)
		expect((await request('/no/such/path/x7q')).status).toBe(404)
		const text = await scrape(request, token)
		const series = parse(text)
		const requests = 'tessera_http_requests_total'
		expect(value(series, requests, { method: 'GET', route: '/users/me', status: '200' })).toBe(3)
		expect(value(series, requests, { method: 'GET', route: '/posts/:id', status: '200' })).toBe(1)
		expect(value(series, requests, { method: 'GET', route: '/posts/:id', status: '404' })).toBe(1)
		expect(value(series, requests, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1)
		// Never the raw path: a scanner cannot make a series per URL.
		expect(text).not.toContain('/posts/999999')
		expect(text).not.toContain('/no/such/path')

		const histogram = 'tessera_http_request_duration_seconds'
		const route = { method: 'GET', route: '/users/me' }
		const buckets = series.filter(
			(s) => s.name === `${histogram}_bucket` && s.labels.route === '/users/me'
		)
		expect(buckets.at(-1)!.labels.le).toBe('+Inf')
		const bounds = buckets.map((s) => Number(s.labels.le === '+Inf' ? Infinity : s.labels.le))
		expect(bounds).toEqual(bounds.toSorted((a, b) => a - b))
		const counts = buckets.map((s) => s.value)
		expect(counts).toEqual(counts.toSorted((a, b) => a - b)) // cumulative
		expect(counts.at(-1)).toBe(3)
		expect(value(series, `${histogram}_count`, route)).toBe(3)
		expect(value(series, `${histogram}_sum`, route)).toBeGreaterThan(0)
		// Timed from arrival for every request: matched or not, answered or refused.
		for (const sum of series.filter((s) => s.name === `${histogram}_sum`))
			expect({ ...sum.labels, timed: sum.value > 0 }).toEqual({ ...sum.labels, timed: true })
	})

	test('docs/contract.md: logins by outcome, tokens by grant type, refresh-token reuse', async () => {
		const { request } = await createTestApp()
		const token = await adminToken(request) // a success
		const johndoe = await login(request, 'johndoe', 'secret') // a success
		const bad = form({ grant_type: 'password', username: 'johndoe', password: 'wrong' })
		expect((await request('/oauth/token', bad)).status).toBe(400)
		// Failures for one username until it is blocked: the first refusal without Argon2 is a 429.
		let statuses: number[] = []
		for (let i = 0; i < 10 && !statuses.includes(429); i++)
			statuses.push(
				(
					await request(
						'/oauth/token',
						form({ grant_type: 'password', username: 'mallory', password: 'guess' })
					)
				).status
			)
		expect(statuses.at(-1)).toBe(429)
		const failures = statuses.filter((status) => status === 400).length

		const refresh = (refresh_token: string) =>
			request('/oauth/token', form({ grant_type: 'refresh_token', refresh_token }))
		expect((await refresh(johndoe.refresh_token!)).status).toBe(200)
		expect((await refresh(johndoe.refresh_token!)).status).toBe(400) // reuse: the session ends
		const service = await request(
			'/oauth/token',
			form(
				{ grant_type: 'client_credentials' },
				{ authorization: basic('demo-service', 'demo-service-secret') }
			)
		)
		expect(service.status).toBe(200)

		const series = parse(await scrape(request, token))
		const logins = (outcome: string) => value(series, 'tessera_logins_total', { outcome })
		expect({
			success: logins('success'),
			invalid_grant: logins('invalid_grant'),
			throttled: logins('throttled'),
			argon2_queue_full: logins('argon2_queue_full')
		}).toEqual({ success: 2, invalid_grant: 1 + failures, throttled: 1, argon2_queue_full: 0 })
		const tokens = (grant_type: string) => value(series, 'tessera_tokens_issued_total', { grant_type })
		expect([tokens('password'), tokens('refresh_token'), tokens('client_credentials')]).toEqual([2, 1, 1])
		expect(value(series, 'tessera_refresh_token_reuse_total')).toBe(1)
	})

	test('docs/contract.md: Argon2 running and waiting gauges; a login refused by a full queue counts as argon2_queue_full', async () => {
		const { request, tessera } = await createTestApp({
			PASSWORD_CONCURRENCY: '1',
			PASSWORD_QUEUE_LIMIT: '1'
		})
		const token = await adminToken(request)
		// Each hash holds its place until the test lets go: the refused login and the scrape below
		// see them running and waiting however long their store round trips take.
		const held = holdArgon2('hash')
		// One hash runs, one waits, and the queue is full.
		const busy = [
			tessera.passwords.hash('one long password'),
			tessera.passwords.hash('two long passwords')
		]
		const refused = await request(
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
		)
		expect(refused.status).toBe(503)
		const series = parse(await scrape(request, token))
		expect(value(series, 'tessera_argon2_running')).toBe(1)
		expect(value(series, 'tessera_argon2_waiting')).toBe(1)
		expect(value(series, 'tessera_logins_total', { outcome: 'argon2_queue_full' })).toBe(1)
		held.release()
		await Promise.all(busy)
		held.restore()
		const idle = parse(await scrape(request, token))
		expect([value(idle, 'tessera_argon2_running'), value(idle, 'tessera_argon2_waiting')]).toEqual([0, 0])
	}, 30_000)

	test('docs/contract.md: a request that fails on a store call counts as a store error', async () => {
		const { request, tessera } = await createTestApp()
		const token = await adminToken(request)
		expect((await request('/posts/1')).status).toBe(200)
		await databaseOf(tessera).run(sql`DROP TABLE posts`)
		expect((await request('/posts/1')).status).toBe(500)
		expect((await request('/posts?limit=5')).status).toBe(500)
		const series = parse(await scrape(request, token))
		expect(value(series, 'tessera_store_errors_total')).toBe(2)
		expect(value(series, 'tessera_http_requests_total', { route: '/posts/:id', status: '500' })).toBe(1)
	})

	test('docs/contract.md: label values stay bounded: an unknown method counts as other, no route as unmatched', async () => {
		const { tessera } = await createTestApp()
		tessera.metrics.request('BREW', undefined, 405, 0.001)
		tessera.metrics.request('BREW', '', 404, 0.001)
		const series = parse(tessera.metrics.render())
		expect(
			series.filter((s) => s.name === 'tessera_http_requests_total').map((s) => [s.labels, s.value])
		).toEqual([
			[{ method: 'other', route: 'unmatched', status: '405' }, 1],
			[{ method: 'other', route: 'unmatched', status: '404' }, 1]
		])
	})

	test('Prometheus exposition format 0.0.4: label values escape backslash, double quote and line feed; HELP escapes backslash and line feed', () => {
		const lines = [
			...counter('odd_total', 'a \\ b\nc', [{ labels: { path: 'a"b\\c\nd' }, value: 2 }]),
			...histogram('odd_seconds', 'h', [
				{ labels: { route: '/x' }, bounds: [0.5, 1], counts: [1, 0, 2], sum: 3.25 }
			])
		]
		expect(lines).toEqual([
			'# HELP odd_total a \\\\ b\\nc',
			'# TYPE odd_total counter',
			'odd_total{path="a\\"b\\\\c\\nd"} 2',
			'# HELP odd_seconds h',
			'# TYPE odd_seconds histogram',
			'odd_seconds_bucket{route="/x",le="0.5"} 1',
			'odd_seconds_bucket{route="/x",le="1"} 1',
			'odd_seconds_bucket{route="/x",le="+Inf"} 3',
			'odd_seconds_sum{route="/x"} 3.25',
			'odd_seconds_count{route="/x"} 3'
		])
		expect(parse(`${lines.join('\n')}\n`)[0]!.labels.path).toBe('a"b\\c\nd')
	})

	test('docs/contract.md WORKERS: every series of a worker carries its worker label; the document still parses', async () => {
		const { tessera } = await createTestApp()
		tessera.metrics.request('GET', '/posts/:id', 200, 0.002)
		tessera.metrics.labels = { worker: '2' }
		const series = parse(tessera.metrics.render())
		expect(series.length).toBeGreaterThan(20)
		for (const s of series)
			expect({ name: s.name, worker: s.labels.worker }).toEqual({ name: s.name, worker: '2' })
		expect(value(series, 'tessera_http_requests_total', { worker: '2', route: '/posts/:id' })).toBe(1)
	})

	test('docs/contract.md: two Tessera instances in one process count apart', async () => {
		const first = await createTestApp()
		const second = await createTestApp()
		const firstToken = await adminToken(first.request)
		const secondToken = await adminToken(second.request)
		for (let i = 0; i < 4; i++) await first.request('/posts/1')
		await second.request('/posts/1')
		const count = (series: Series[]) =>
			value(series, 'tessera_http_requests_total', { method: 'GET', route: '/posts/:id' })
		expect(count(parse(await scrape(first.request, firstToken)))).toBe(4)
		expect(count(parse(await scrape(second.request, secondToken)))).toBe(1)
		expect(first.tessera.metrics).not.toBe(second.tessera.metrics)
	})
})

const postgres = await postgresAvailable()

// A PostgreSQL database of its own, behind a TCP proxy.
storeIndependent(() =>
	describe.skipIf(!postgres)('docs/contract.md: GET /metrics on PostgreSQL', () => {
		test('docs/contract.md (Running several instances): every 503 of an unreachable store counts as a store error', async () => {
			// A TCP proxy in front of the test PostgreSQL, cut for a while (tests/store/outage.test.ts).
			const upstream = new URL(TEST_DATABASE_URL)
			const proxy = startTcpProxy({ hostname: upstream.hostname, port: Number(upstream.port || 5432) })
			const database = await createDatabase({ tag: 'metrics' })
			const url = new URL(database.url)
			url.hostname = '127.0.0.1'
			url.port = String(proxy.port)
			const store = await PostgresStore.open(url.toString(), { max: 4 })
			try {
				const config = loadConfig(TEST_ENV)
				const tessera = await createTessera({
					...serverOptions(),
					database: { store },
					passwords: cheapHasher(config)
				})
				await tessera.users.create({
					username: 'ops',
					password: 'a long passphrase',
					scopes: ['admin']
				})
				const app = createApp(tessera, config)
				const request = (path: string, init?: RequestInit) =>
					app.handle(new Request(`${ISSUER}${path}`, init))
				const token = await adminToken(request, 'ops', 'a long passphrase')
				let unavailable = 0
				const count = async (path: string) => {
					if ((await request(path)).status === 503) unavailable++
				}
				proxy.cut()
				try {
					await count('/health')
					await count('/posts')
				} finally {
					proxy.restore()
				}
				expect(unavailable).toBe(2)
				// Until the pool has reconnected, a request may still meet the outage: each counts too.
				for (let i = 0; i < 100 && (await request('/health')).status !== 200; i++) {
					unavailable++
					await Bun.sleep(100)
				}
				const series = parse(await scrape(request, token))
				expect(value(series, 'tessera_store_errors_total')).toBe(unavailable)
				expect(value(series, 'tessera_http_requests_total', { status: '503' })).toBe(unavailable)
			} finally {
				proxy.stop()
				await store.close()
				await database.drop()
			}
		}, 60_000)
	})
)
