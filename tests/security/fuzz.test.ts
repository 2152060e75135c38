/**
 * Property-based fuzzing (fast-check). Every route the app has is hit with random methods,
 * content types, bodies, headers, unicode, huge and deeply nested values (inside fields too).
 * docs/contract.md: no request, however malformed, gets a 500; every error body is JSON with a string `error`. Afterwards the
 * database is intact and no existing user or session row has changed.
 *
 * The parsers at the edge are fuzzed on their own as well: they may refuse, but only with an
 * ApiError, which renders as an RFC error.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { ApiError } from '../../src/errors'
import { MAX_JSON_DEPTH } from '../../src/http/json-depth'
import { parseBasic, parseBearer } from '../../src/oauth/credentials'
import { parseForm } from '../../src/oauth/form'
import { SERVER_CATALOG } from '../../src/server/scopes'
import { sql } from 'drizzle-orm'
import { createTestApp, storeIndependent, testStore, type TestApp, sqliteOf } from '../helpers/app'
import { cpuMs } from '../helpers/cpu'
import { databaseOf } from '../helpers/database'
import { login } from '../helpers/http'

const HTTP_RUNS = 4000
const AUTHENTICATED_GET_RUNS = 300
const AUTHENTICATED_DEEP_RUNS = 200
const PARSER_RUNS = 5000
/** Same cases on every run; FUZZ_SEED=… explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124)

const counted = { requests: 0, parserCalls: 0, statuses: new Map<number, number>() }
afterAll(() => {
	const statuses = [...counted.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`)
	console.info(
		`fuzz (seed ${SEED}): ${counted.requests} requests (${statuses.join(' ')}), ${counted.parserCalls} parser calls`
	)
})

// ── arbitraries ─────────────────────────────────────────────────────────────────────────────

/** Any unicode, lone surrogates included. */
const anyText = (maxLength = 64) => fc.string({ unit: 'binary', maxLength })
/** What a header value can hold (RFC 9110 §5.5: visible Latin-1 and spaces). */
const headerText = (maxLength = 64) =>
	fc.string({
		unit: fc
			.integer({ min: 0x20, max: 0xff })
			.filter((c) => c !== 0x7f)
			.map((c) => String.fromCharCode(c)),
		maxLength
	})

const FIELD_NAMES = [
	'grant_type',
	'username',
	'password',
	'scope',
	'client_id',
	'client_secret',
	'refresh_token',
	'token',
	'token_type_hint',
	'email',
	'full_name',
	'current_password',
	'new_password',
	'title',
	'content',
	'disabled',
	'scopes',
	'confidential',
	'grants',
	'__proto__',
	'constructor'
]

const fieldName = fc.oneof(fc.constantFrom(...FIELD_NAMES), anyText(16))
const fieldValue = fc.oneof(
	fc.constantFrom(
		'password',
		'refresh_token',
		'client_credentials',
		'johndoe',
		'admin',
		'secret',
		'profile admin',
		''
	),
	anyText(),
	fc.nat(70_000).map((n) => 'v'.repeat(n))
)

/** JSON text: random values, objects with our field names, and nesting thousands deep. */
const jsonBody = fc.oneof(
	fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
	fc
		.dictionary(fieldName, fc.oneof(fieldValue, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 8 })
		.map((value) => JSON.stringify(value)),
	fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
	fc.integer({ min: 1, max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
	// Nesting inside a field, where a schema validator walks it (tests/security/deep-json.test.ts).
	fc
		.record({
			fields: fc.dictionary(fieldName, fieldValue, { maxKeys: 4 }),
			field: fieldName,
			depth: fc.integer({ min: 1, max: 20_000 }),
			open: fc.constantFrom('[', '{"a":', '[{"a":')
		})
		.map(({ fields, field, depth, open }) => {
			const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]'
			const deep = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth)
			return JSON.stringify({ ...fields, [field]: '\0deep' }).replace('"\\u0000deep"', deep)
		}),
	anyText(200)
)

/** Form text: our parameters, repeats, stray percent signs, raw unicode. */
const formBody = fc.oneof(
	fc
		.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 })
		.map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
	fc
		.array(fc.oneof(anyText(20), fc.constantFrom('%', '%zz', '%E0%A4', '=', '&', '+')), { maxLength: 10 })
		.map((parts) => parts.join('')),
	fc.nat(100_000).map((n) => `grant_type=password&username=${'u'.repeat(n)}`),
	// Close to a real token request, so the grants themselves (and Argon2) are reached.
	fc
		.record(
			{
				grant_type: fc.constantFrom('password', 'refresh_token', 'client_credentials'),
				username: fc.oneof(fc.constantFrom('johndoe', 'alice', 'admin'), anyText(20)),
				password: fc.oneof(fc.constantFrom('secret', 'secret2', ''), anyText(20)),
				scope: fc.oneof(
					fc.constantFrom('profile', 'admin', 'posts:read posts:write', ''),
					anyText(20)
				),
				client_id: fc.constantFrom('default', 'demo-app', 'demo-service', 'nope'),
				client_secret: fc.oneof(
					fc.constantFrom('demo-app-secret', 'demo-service-secret'),
					anyText(10)
				),
				refresh_token: anyText(60),
				token: anyText(60)
			},
			{ requiredKeys: ['grant_type'] }
		)
		.map((fields) => new URLSearchParams(fields as Record<string, string>).toString())
)

const contentType = fc.oneof(
	{ weight: 3, arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded') },
	{
		weight: 2,
		arbitrary: fc.constantFrom(
			'text/plain',
			'multipart/form-data; boundary=xyz',
			'application/octet-stream',
			'application/json; charset=utf-16',
			'APPLICATION/JSON',
			'application/x-www-form-urlencoded; charset=latin1',
			'application/xml',
			''
		)
	}
)

const body = fc.oneof(
	{ weight: 3, arbitrary: jsonBody },
	{ weight: 3, arbitrary: formBody },
	{ weight: 1, arbitrary: fc.constant(undefined) },
	{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => new Blob([bytes])) }
)

const authorization = (tokens: string[]) =>
	fc.oneof(
		fc.constant(undefined),
		headerText(200).map((t) => `Bearer ${t}`),
		headerText(200).map((t) => `Basic ${t}`),
		fc
			.tuple(anyText(40), anyText(40))
			.map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`),
		fc.constantFrom(
			'Bearer',
			'Basic',
			'Basic Og==',
			'bearer  a.b.c',
			'Digest x',
			'Bearer =',
			'Bearer ...'
		),
		// A real token with one character changed (never to itself): as close to valid as a forger gets.
		fc
			.tuple(fc.constantFrom(...tokens), fc.nat(), fc.constantFrom(...'AZaz09-_.=+/~'))
			.map(([token, n, ch]) => {
				const at = n % token.length
				const changed = token[at] === ch ? (ch === 'A' ? 'B' : 'A') : ch
				return `Bearer ${token.slice(0, at)}${changed}${token.slice(at + 1)}`
			}),
		headerText(300)
	)

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND']

const fill = (route: string, values: string[]) => {
	let i = 0
	return route.replace(/:[^/]+/g, () => encodeURIComponent(values[i++ % values.length]!))
}

/** A route of the app with random parameter values, mostly with its own method; or a path near one. */
const target = (routes: { method: string; path: string }[]) =>
	fc.oneof(
		{
			weight: 5,
			arbitrary: fc
				.tuple(
					fc.constantFrom(...routes),
					fc.array(anyText(30), { minLength: 4, maxLength: 4 }),
					fc.oneof(
						{ weight: 3, arbitrary: fc.constant(null) },
						{ weight: 1, arbitrary: fc.constantFrom(...METHODS) }
					)
				)
				.map(([route, values, method]) => ({
					method: method ?? route.method,
					path: fill(route.path, values)
				}))
		},
		{
			weight: 1,
			arbitrary: fc
				.tuple(fc.constantFrom(...METHODS), fc.constantFrom(...routes), anyText(20))
				.map(([method, route, junk]) => ({
					method,
					path: `${fill(route.path, ['x'])}/${encodeURIComponent(junk)}`
				}))
		},
		{
			weight: 1,
			arbitrary: fc.record({
				method: fc.constantFrom(...METHODS),
				path: fc.constantFrom(
					'/',
					'//oauth/token',
					'/oauth/token/',
					'/%2e%2e/health',
					'/swagger/assets/..%2Fpackage.json',
					'/swagger/assets/%00'
				)
			})
		}
	)

const query = fc.oneof(
	fc.constant(''),
	fc
		.array(
			fc.tuple(
				fc.oneof(
					fc.constantFrom(
						'limit',
						'cursor',
						'user_id',
						'type',
						'username_prefix',
						'disabled',
						'access_token'
					),
					anyText(10)
				),
				fc.oneof(anyText(40), fc.integer().map(String))
			),
			{ maxLength: 4 }
		)
		.map((pairs) => `?${new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString()}`)
)

const extraHeaders = fc.dictionary(
	fc.oneof(
		fc.constantFrom(
			'x-forwarded-for',
			'accept',
			'content-length',
			'transfer-encoding',
			'origin',
			'cookie',
			'x-http-method-override'
		),
		fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
	),
	headerText(100),
	{ maxKeys: 4 }
)

interface Sample {
	target: { method: string; path: string }
	query: string
	contentType: string
	body: string | Blob | undefined
	authorization: string | undefined
	headers: Record<string, string>
}

function toRequest(sample: Sample): Request | null {
	const headers = new Headers()
	try {
		for (const [name, value] of Object.entries(sample.headers)) headers.set(name, value)
		if (sample.contentType) headers.set('content-type', sample.contentType)
		if (sample.authorization !== undefined) headers.set('authorization', sample.authorization)
		const { method, path } = sample.target
		const hasBody = !['GET', 'HEAD'].includes(method) && sample.body !== undefined
		return new Request(`http://localhost${path}${sample.query}`, {
			method,
			headers,
			body: hasBody ? sample.body : undefined
		})
	} catch {
		// Not a request a client can send (the Fetch standard refused it): nothing to test.
		return null
	}
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }

async function checkResponse(request: Request, response: Response) {
	const what = `${request.method} ${new URL(request.url).pathname}`
	counted.statuses.set(response.status, (counted.statuses.get(response.status) ?? 0) + 1)
	if (response.status >= 500) throw new Error(`${what} → ${response.status}: ${await response.text()}`)
	for (const [name, value] of Object.entries(SECURITY_HEADERS))
		if (response.headers.get(name) !== value)
			throw new Error(`${what} → ${response.status} without ${name}`)
	if (!response.headers.get('content-security-policy')) throw new Error(`${what} → no CSP`)
	if (response.status < 400 || request.method === 'HEAD') return
	const text = await response.text()
	let parsed: any
	try {
		parsed = JSON.parse(text)
	} catch {
		throw new Error(`${what} → ${response.status} with a non-JSON body: ${text.slice(0, 200)}`)
	}
	if (typeof parsed?.error !== 'string' || typeof parsed?.error_description !== 'string')
		throw new Error(`${what} → ${response.status} without a string error: ${text.slice(0, 200)}`)
}

// ── the properties ──────────────────────────────────────────────────────────────────────────

describe('fuzzing every endpoint (docs/contract.md: never a 500; every error JSON; no data lost)', () => {
	let app: TestApp
	let tokens: string[]
	let before: {
		users: Record<string, unknown>[]
		sessions: Record<string, unknown>[]
		clients: Record<string, unknown>[]
	}
	const snapshot = async () => ({
		users: await databaseOf(app.tessera).all(sql`SELECT * FROM tessera_users ORDER BY id`),
		sessions: await databaseOf(app.tessera).all(sql`SELECT * FROM tessera_sessions ORDER BY id`),
		clients: await databaseOf(app.tessera).all(sql`SELECT * FROM tessera_clients ORDER BY id`)
	})

	beforeAll(async () => {
		app = await createTestApp()
		const user = await login(app.request)
		const admin = await login(app.request, 'admin', 'admin-secret')
		tokens = [user.access_token, admin.access_token, user.refresh_token!, admin.refresh_token!]
		before = await snapshot()
		expect(before.sessions).toHaveLength(2)
	})

	test(`property: ${HTTP_RUNS} random requests over every route → no 5xx, every error a JSON {error, error_description}`, async () => {
		const routes = app.app.routes.map(({ method, path }) => ({ method, path }))
		expect(routes).toContainEqual({ method: 'POST', path: '/oauth/token' })
		await fc.assert(
			fc.asyncProperty(
				fc.record({
					target: target(routes),
					query,
					contentType,
					body,
					authorization: authorization(tokens),
					headers: extraHeaders
				}),
				async (sample) => {
					const request = toRequest(sample)
					if (!request) return
					counted.requests++
					await checkResponse(request, await app.app.handle(request))
				}
			),
			{ numRuns: HTTP_RUNS, seed: SEED, endOnFailure: true }
		)
	}, 120_000)

	test(`property: ${AUTHENTICATED_GET_RUNS} GETs with valid tokens and random queries → no 5xx`, async () => {
		const gets = app.app.routes.filter((r) => r.method === 'GET').map((r) => r.path)
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...gets),
				query,
				fc.constantFrom(tokens[0]!, tokens[1]!),
				fc.array(anyText(30), { minLength: 2, maxLength: 2 }),
				async (route, q, token, values) => {
					const url = route.replace(/:[^/]+/g, () => encodeURIComponent(values[0]!)) + q
					const request = new Request(`http://localhost${url}`, {
						headers: { authorization: `Bearer ${token}` }
					})
					counted.requests++
					await checkResponse(request, await app.app.handle(request))
				}
			),
			{ numRuns: AUTHENTICATED_GET_RUNS, seed: SEED, endOnFailure: true }
		)
	}, 60_000)

	test(`property: ${AUTHENTICATED_DEEP_RUNS} bodies with values nested past the bound in their fields, with valid tokens → 400 or 413, fast`, async () => {
		// With a valid token the body reaches the schema validator; nesting deeper than the bound
		// must be refused while reading instead (tests/security/deep-json.test.ts).
		const withBody = app.app.routes
			.filter((r) => !['GET', 'HEAD'].includes(r.method))
			.map(({ method, path }) => ({ method, path }))
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...withBody),
				fc.constantFrom(tokens[0]!, tokens[1]!),
				fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue, { maxKeys: 4 }),
				fc.constantFrom(...FIELD_NAMES),
				fc.integer({ min: MAX_JSON_DEPTH + 1, max: 20_000 }),
				fc.constantFrom(['[', ']'], ['{"a":', '}'], ['[{"a":', '}]']),
				async (route, token, fields, field, depth, [open, close]) => {
					const deep = open!.repeat(depth) + (open === '[' ? '' : '1') + close!.repeat(depth)
					const request = new Request(`http://localhost${fill(route.path, ['1'])}`, {
						method: route.method,
						headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
						body: JSON.stringify({ ...fields, [field]: '\0deep' }).replace('"\\u0000deep"', deep)
					})
					counted.requests++
					const started = cpuMs()
					const response = await app.app.handle(request)
					const ms = cpuMs() - started
					await checkResponse(request, response.clone())
					if (![400, 413].includes(response.status) || ms > 1000)
						throw new Error(
							`${route.method} ${route.path} → ${response.status} in ${ms} ms of CPU`
						)
				}
			),
			{ numRuns: AUTHENTICATED_DEEP_RUNS, seed: SEED, endOnFailure: true }
		)
	}, 60_000)

	test('docs/contract.md: afterwards the database passes its integrity check, and no existing user, session or client changed', async () => {
		// SQLite checks its file; PostgreSQL has no such check short of an extension (amcheck).
		if (testStore() === 'sqlite')
			expect(sqliteOf(app.tessera).$client.query('PRAGMA integrity_check').all()).toEqual([
				{ integrity_check: 'ok' }
			])
		const after = await snapshot()
		for (const table of ['users', 'sessions', 'clients'] as const)
			for (const row of before[table]) expect(after[table]).toContainEqual(row)
	})
})

// Parsers, no store.
storeIndependent(() =>
	describe('fuzzing the parsers: they refuse only with an ApiError', () => {
		const onlyApiErrors = (parse: () => unknown) => {
			counted.parserCalls++
			try {
				parse()
			} catch (error) {
				if (!(error instanceof ApiError)) throw error
			}
		}
		const options = { numRuns: PARSER_RUNS, seed: SEED }

		test(`property: parseForm (RFC 6749 §3.2) on ${PARSER_RUNS} random bodies`, () => {
			fc.assert(
				fc.property(fc.oneof(anyText(300), formBody), (text) => onlyApiErrors(() => parseForm(text))),
				options
			)
		})

		test(`property: parseForm keeps every value it accepts, decoded, once`, () => {
			fc.assert(
				fc.property(
					fc.uniqueArray(
						fc.tuple(
							anyText(10).filter((k) => k !== ''),
							anyText(40)
						),
						{ selector: ([k]) => k, maxLength: 6 }
					),
					(pairs) => {
						counted.parserCalls++
						const wellFormed = pairs.filter(([k, v]) => k.isWellFormed() && v.isWellFormed())
						const text = wellFormed
							.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
							.join('&')
						const params = parseForm(text)
						for (const [k, v] of wellFormed) expect(params[k]).toBe(v === '' ? undefined : v)
					}
				),
				options
			)
		})

		test(`property: ScopeCatalog.parse (RFC 6749 §3.3) on ${PARSER_RUNS} random scopes`, () => {
			fc.assert(
				fc.property(
					fc.oneof(
						anyText(80),
						fc
							.array(
								fc.constantFrom(
									'profile',
									'posts:read',
									'posts:write',
									'admin',
									'x',
									'',
									' '
								),
								{ maxLength: 6 }
							)
							.map((s) => s.join(' '))
					),
					(text) => onlyApiErrors(() => SERVER_CATALOG.parse(text))
				),
				options
			)
		})

		test(`property: parseBasic (RFC 7617, RFC 6749 §2.3.1) on ${PARSER_RUNS} random headers`, () => {
			fc.assert(
				fc.property(
					fc.oneof(
						anyText(120),
						anyText(120).map((t) => `Basic ${t}`),
						fc
							.uint8Array({ maxLength: 90 })
							.map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
						fc
							.tuple(anyText(30), anyText(30))
							.map(([a, b]) => `basic ${Buffer.from(`${a}:${b}`).toString('base64')}`)
					),
					(header) => onlyApiErrors(() => parseBasic(header))
				),
				options
			)
		})

		test(`property: parseBearer (RFC 6750 §2.1) on ${PARSER_RUNS} random headers`, () => {
			fc.assert(
				fc.property(
					fc.oneof(
						anyText(120),
						anyText(120).map((t) => `Bearer ${t}`),
						fc.stringMatching(/^[Bb]earer +[A-Za-z0-9._~+/=-]{0,80} *$/)
					),
					(header) => onlyApiErrors(() => parseBearer(header))
				),
				options
			)
		})
	})
)
