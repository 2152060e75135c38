/**
 * Deeply nested JSON (CWE-674, uncontrolled recursion). A value nested 20 000 levels deep is a
 * body of about 120 KB, under every size bound, yet a recursive validator, or Elysia's
 * development-mode ValidationError (which formats the whole rejected value), turns it into
 * seconds of CPU, gigabytes of memory or a stack overflow. docs/contract.md: body validation
 * failures are 400 invalid_request, never a 500; so every route that reads a JSON body refuses
 * nesting deeper than MAX_JSON_DEPTH while reading it, before any validation, cheaply.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { OAUTH_BODY_LIMIT } from '../../src/http/body'
import { MAX_JSON_DEPTH } from '../../src/http/json-depth'
import { createTestApp, type TestApp } from '../helpers/app'
import { cpuMs } from '../helpers/cpu'
import { basic, login } from '../helpers/http'

const DEPTH = 20_000
/** docs/contract.md: a 400 for every failure; this little CPU time, whatever the nesting. */
const MAX_MS = 100
const MAX_RSS_GROWTH = 20 * 1024 * 1024

const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

interface Route {
	method: string
	path: string
	/** The route as the app declares it, where `path` fills in a parameter. */
	route?: string
	/** An otherwise valid body; each field in turn gets the deep value. */
	fields: Record<string, unknown>
	auth?: 'user' | 'admin' | 'client'
}

/** Every route that reads a body (the test below checks this list against the app's routes). */
const ROUTES: Route[] = [
	{
		method: 'POST',
		path: '/oauth/token',
		fields: {
			grant_type: 'password',
			username: 'johndoe',
			password: 'secret',
			scope: 'profile',
			client_id: 'default',
			refresh_token: 'x'
		}
	},
	{ method: 'POST', path: '/oauth/revoke', fields: { token: 'x', token_type_hint: 'access_token' } },
	{
		method: 'POST',
		path: '/oauth/introspect',
		fields: { token: 'x', token_type_hint: 'access_token' },
		auth: 'client'
	},
	{
		method: 'POST',
		path: '/users',
		fields: { username: 'deepuser', password: 'long enough', email: 'd@example.com', full_name: 'D' }
	},
	{
		method: 'PUT',
		path: '/users/me/password',
		fields: { current_password: 'secret', new_password: 'another secret' },
		auth: 'user'
	},
	{ method: 'POST', path: '/auth/logout', fields: { note: 'x' }, auth: 'user' },
	{ method: 'POST', path: '/posts', fields: { title: 'T', content: 'C' }, auth: 'user' },
	{
		method: 'PATCH',
		path: '/posts/1',
		route: '/posts/:id',
		fields: { title: 'T', content: 'C' },
		auth: 'user'
	},
	{ method: 'DELETE', path: '/posts/1', route: '/posts/:id', fields: { note: 'x' }, auth: 'user' },
	{
		method: 'PATCH',
		path: '/admin/users/2',
		route: '/admin/users/:id',
		fields: { disabled: false, scopes: ['profile'] },
		auth: 'admin'
	},
	{
		method: 'POST',
		path: '/admin/clients',
		fields: {
			client_id: 'deep-client',
			name: 'Deep',
			confidential: false,
			grants: ['password'],
			scopes: ['profile']
		},
		auth: 'admin'
	},
	{
		method: 'DELETE',
		path: '/admin/clients/demo-app',
		route: '/admin/clients/:client_id',
		fields: { note: 'x' },
		auth: 'admin'
	}
]

const isOAuth = (route: Route) => route.path.startsWith('/oauth/')

interface Case {
	name: string
	route: Route
	body: string
}

/**
 * The deep value in each field of the route's body, as an object and as an array. The OAuth
 * endpoints take at most OAUTH_BODY_LIMIT (64 KiB): their objects go as deep as fits (10 752 levels).
 */
function casesOf(route: Route): Case[] {
	const objectDepth = isOAuth(route) ? Math.floor((OAUTH_BODY_LIMIT - 1024) / 6) : DEPTH
	const shapes = [
		[`object ${objectDepth} deep`, deepObject(objectDepth)],
		[`array ${DEPTH} deep`, deepArray(DEPTH)]
	] as const
	return Object.keys(route.fields).flatMap((field) =>
		shapes.map(([shape, deep]) => ({
			name: `${route.method} ${route.path} ${field}: ${shape}`,
			route,
			body: JSON.stringify({ ...route.fields, [field]: '\0deep' }).replace('"\\u0000deep"', deep)
		}))
	)
}

let app: TestApp
let headers: Record<NonNullable<Route['auth']>, string>

beforeAll(async () => {
	app = await createTestApp()
	headers = {
		user: `Bearer ${(await login(app.request)).access_token}`,
		admin: `Bearer ${(await login(app.request, 'admin', 'admin-secret')).access_token}`,
		client: basic('demo-service', 'demo-service-secret')
	}
})

const send = ({ route, body }: Case) =>
	app.request(route.path, {
		method: route.method,
		headers: {
			'content-type': 'application/json',
			...(route.auth ? { authorization: headers[route.auth] } : {})
		},
		body
	})

describe(`deeply nested JSON bodies (docs/contract.md: 400 invalid_request, never a 500; nesting over ${MAX_JSON_DEPTH} refused while reading)`, () => {
	test('the list covers every route of the app that reads a body', () => {
		const withBody = app.app.routes
			.filter((r) => !['GET', 'HEAD'].includes(r.method))
			.map((r) => `${r.method} ${r.path}`)
		const covered = ROUTES.map((r) => `${r.method} ${r.route ?? r.path}`)
		expect(covered.sort()).toEqual(withBody.sort())
	})

	for (const route of ROUTES)
		test(`docs/contract.md: ${route.method} ${route.path} with ${DEPTH}-level values in each field → 400 JSON within ${MAX_MS} ms of CPU, RSS growth under 20 MB`, async () => {
			const timings: number[] = []
			const growths: number[] = []
			// Once per route: a full collection costs the more the bigger the heap of the worker
			// process is, and what one deep body leaves behind is far below the bound.
			Bun.gc(true)
			for (const sample of casesOf(route)) {
				const rssBefore = process.memoryUsage().rss
				const started = cpuMs()
				const response = await send(sample)
				const text = await response.text()
				timings.push(cpuMs() - started)
				growths.push(process.memoryUsage().rss - rssBefore)
				expect({ case: sample.name, status: response.status }).toEqual({
					case: sample.name,
					status: 400
				})
				// The rejected value is never echoed back, not even a piece of it.
				expect(text.length).toBeLessThan(300)
				expect(JSON.parse(text)).toEqual({
					error: 'invalid_request',
					error_description: expect.stringContaining(`${MAX_JSON_DEPTH}`)
				})
			}
			const worst = { ms: Math.max(...timings), mb: Math.max(...growths) / 2 ** 20 }
			console.info(
				`${route.method} ${route.path}: ${timings.length} deep bodies, slowest ${worst.ms.toFixed(1)} ms of CPU, largest RSS growth ${worst.mb.toFixed(1)} MB`
			)
			expect(worst.ms).toBeLessThan(MAX_MS)
			expect(Math.max(...growths)).toBeLessThan(MAX_RSS_GROWTH)
		})

	test(`docs/contract.md: GET /health is answered within ${MAX_MS} ms of CPU while every deep body is in flight`, async () => {
		const all = ROUTES.flatMap(casesOf)
		const started = cpuMs()
		const flood = Promise.all(all.map((sample) => send(sample).then((r) => r.status)))
		const health = app.request('/health').then((r) => ({ status: r.status, ms: cpuMs() - started }))
		const answered = await health
		expect(await flood).toEqual(all.map(() => 400))
		console.info(
			`GET /health answered after ${answered.ms.toFixed(1)} ms of CPU beside ${all.length} deep bodies`
		)
		expect(answered.status).toBe(200)
		expect(answered.ms).toBeLessThan(MAX_MS)
	})

	test(`nesting up to ${MAX_JSON_DEPTH} levels is only refused by the schema, and strings full of brackets are not nesting`, async () => {
		const atLimit = '['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1)
		const response = await app.request('/users', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: `{"username": ${atLimit}, "password": "long enough"}`
		})
		expect(response.status).toBe(400)
		expect(((await response.json()) as any).error_description).toBe(
			'Invalid body at /username: Expected string'
		)
		// Escaped quotes and backslashes inside a string neither end it nor open anything.
		const content = '[{"\\'.repeat(200) + ']}'.repeat(10)
		const created = await app.request('/posts', {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: headers.user },
			body: JSON.stringify({ title: 'brackets', content })
		})
		expect(created.status).toBe(201)
	})
})

describe('validation errors (docs/contract.md: 400 invalid_request) never echo the rejected value', () => {
	const MARK = 'ECHO-MARK'
	const cases: [string, string, Record<string, unknown>, Route['auth']?][] = [
		['POST', '/users', { username: `${MARK}<script>`, password: 'long enough' }],
		['POST', '/users', { username: 'echo', password: 'long enough', email: MARK }],
		['POST', '/users', { username: 'echo', password: 'long enough', full_name: MARK.repeat(30) }],
		['POST', '/users', { username: { [MARK]: [MARK] }, password: 'long enough' }],
		['POST', '/posts', { title: [MARK, { [MARK]: MARK }], content: 'c' }, 'user'],
		['POST', '/posts', { title: '', content: MARK.repeat(3000) }, 'user'],
		['PATCH', '/admin/users/2', { scopes: [MARK] }, 'admin'],
		['PATCH', '/admin/users/2', { [`${MARK}/x`]: 1 }, 'admin'],
		[
			'POST',
			'/admin/clients',
			{ client_id: MARK, confidential: MARK, grants: [MARK], scopes: [{ [MARK]: 1 }] },
			'admin'
		]
	]
	for (const [method, path, fields, auth] of cases)
		test(`${method} ${path} ${JSON.stringify(fields).slice(0, 60)} → 400 without the value`, async () => {
			const response = await app.request(path, {
				method,
				headers: {
					'content-type': 'application/json',
					...(auth ? { authorization: headers[auth] } : {})
				},
				body: JSON.stringify(fields)
			})
			expect(response.status).toBe(400)
			const text = await response.text()
			expect(JSON.parse(text).error).toBe('invalid_request')
			expect(text).not.toContain(MARK)
			expect(text).not.toContain('ECHO')
		})
})
