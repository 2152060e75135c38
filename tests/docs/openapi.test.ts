import { describe, expect, test } from 'bun:test'
import { SWAGGER_CSP } from '../../src/server/docs/swagger'
import { OAUTH2_DESCRIPTION } from '../../src/oauth/security-scheme'
import { SERVER_CATALOG, SERVER_SCOPE_NAMES as SCOPE_NAMES, SERVER_SCOPES as SCOPES, type ServerScope as Scope } from '../../src/server/scopes'
import { createTestApp, type TestApp } from '../helpers/app'
import { basic, bearer, form, json, login } from '../helpers/http'

interface Schema {
	type?: string
	format?: string
	const?: unknown
	enum?: unknown[]
	anyOf?: Schema[]
	properties?: Record<string, Schema>
	required?: string[]
	minProperties?: number
	items?: Schema
	minItems?: number
	minLength?: number
	maxLength?: number
	minimum?: number
}

interface Operation {
	operationId?: string
	tags?: string[]
	summary?: string
	security?: Record<string, string[]>[]
	requestBody?: { content: Record<string, { schema: Schema }> }
	responses?: Record<string, { description?: string }>
}

interface Document {
	openapi: string
	tags: { name: string }[]
	components: { securitySchemes: Record<string, unknown> }
	paths: Record<string, Record<string, Operation>>
}

async function documented(env: Record<string, string> = {}) {
	const app = await createTestApp(env)
	const response = await app.request('/swagger/json')
	expect(response.status).toBe(200)
	expect(response.headers.get('content-type')).toStartWith('application/json')
	return { ...app, doc: (await response.json()) as Document }
}

/** The app's routes not hidden from the document (Swagger UI's own are), each with its operation. */
function routes({ app }: TestApp, doc: Document) {
	return app.routes
		.filter((route) => !(route.hooks.detail as { hide?: boolean } | undefined)?.hide)
		.map((route) => {
			const path = route.path.replace(/:(\w+)/g, '{$1}')
			return {
				name: `${route.method} ${route.path}`,
				method: route.method,
				url: route.path.replace(/:\w+/g, '1'),
				operation: doc.paths[path]?.[route.method.toLowerCase()]
			}
		})
}

/** A small value that satisfies a request body schema, so validation lets the request reach auth. */
function sample(schema: Schema): unknown {
	if (schema.const !== undefined) return schema.const
	if (schema.enum) return schema.enum[0]
	if (schema.anyOf) return sample(schema.anyOf[0]!)
	switch (schema.type) {
		case 'object': {
			// The required properties, then optional ones up to minProperties.
			const required = schema.required ?? []
			const optional = Object.keys(schema.properties ?? {}).filter((key) => !required.includes(key))
			const keys = [...required, ...optional].slice(
				0,
				Math.max(required.length, schema.minProperties ?? 0)
			)
			return Object.fromEntries(keys.map((key) => [key, sample(schema.properties![key]!)]))
		}
		case 'array':
			return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items!))
		case 'string':
			if (schema.format === 'email') return 'sample@example.com'
			return 'sample'.padEnd(Math.max(schema.minLength ?? 0, 8), 'x').slice(0, schema.maxLength)
		case 'integer':
		case 'number':
			return schema.minimum ?? 1
		case 'boolean':
			return false
	}
	throw new Error(`No sample for the schema ${JSON.stringify(schema)}: teach sample() this case`)
}

function sampleRequest(method: string, operation: Operation): RequestInit {
	const schema = operation.requestBody?.content['application/json']?.schema
	return schema ? json(sample(schema), method) : { method }
}

describe('docs/contract.md: GET /swagger/json is the OpenAPI 3 document', () => {
	test('RFC 6749 §4.3 / §2.3.1: an oauth2 scheme, the password flow at /oauth/token with the scope catalog, and HTTP Basic client authentication', async () => {
		const { doc } = await documented()
		expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
		expect(doc.components.securitySchemes).toEqual({
			oauth2: {
				type: 'oauth2',
				description: OAUTH2_DESCRIPTION,
				flows: {
					password: { tokenUrl: '/oauth/token', refreshUrl: '/oauth/token', scopes: { ...SCOPES } }
				}
			},
			clientBasic: { type: 'http', scheme: 'basic', description: expect.any(String) }
		})
		for (const description of Object.values(SCOPES)) expect(description).not.toBe('')
	})

	test('docs/contract.md: the Authorize dialog says to leave the client fields empty (the public client `default`) and what ticking no scope means', async () => {
		const { doc, request } = await documented()
		const description = (doc.components.securitySchemes.oauth2 as { description: string }).description
		expect(description).toContain('leave client_id and client_secret empty')
		expect(description).toContain('`default`')
		expect(description).toContain('ticking none means everything you are allowed')
		// Both claims hold: an empty Basic credential (what Swagger UI sends) and no scope → every scope johndoe may have.
		const token = await login(request, 'johndoe', 'secret', {}, { authorization: 'Basic Og==' })
		expect(token.scope).toBe('profile posts:read posts:write')
	})

	test('RFC 7662 §2.1: /oauth/introspect documents its real security, client authentication or an admin token, and no anonymous alternative', async () => {
		const { doc, request } = await documented()
		expect(doc.paths['/oauth/introspect']!.post!.security).toEqual([
			{ clientBasic: [] },
			{ oauth2: ['admin'] }
		])
		const anonymous = await request('/oauth/introspect', form({ token: 'x' }))
		expect(anonymous.status).toBe(401)
		const asClient = await request(
			'/oauth/introspect',
			form({ token: 'x' }, { authorization: basic('demo-service', 'demo-service-secret') })
		)
		expect(await asClient.json()).toEqual({ active: false })
		// No operation offers `{}` (anonymous) beside a real requirement: Swagger UI would then send none.
		for (const [path, operations] of Object.entries(doc.paths))
			for (const [method, operation] of Object.entries(operations))
				for (const requirement of operation.security ?? [])
					expect({ operation: `${method} ${path}`, requirement }).not.toEqual({
						operation: `${method} ${path}`,
						requirement: {}
					})
	})

	test('OpenAPI 3.0 §4.7.10/§4.7.16: every route is documented with a declared tag, a summary, a success response and described responses', async () => {
		const testApp = await documented()
		const declaredTags = testApp.doc.tags.map((tag) => tag.name)
		const operationIds: (string | undefined)[] = []
		for (const { name, operation } of routes(testApp, testApp.doc)) {
			if (!operation) throw new Error(`${name} is missing from /swagger/json`)
			const responses = Object.entries(operation.responses ?? {})
			expect({
				name,
				tagged: (operation.tags ?? []).length > 0,
				undeclaredTags: (operation.tags ?? []).filter((tag) => !declaredTags.includes(tag)),
				summary: typeof operation.summary,
				success: responses.some(([status]) => /^2\d\d$/.test(status)),
				undescribed: responses
					.filter(([, response]) => !response.description)
					.map(([status]) => status)
			}).toEqual({
				name,
				tagged: true,
				undeclaredTags: [],
				summary: 'string',
				success: true,
				undescribed: []
			})
			operationIds.push(operation.operationId)
		}
		expect(new Set(operationIds).size).toBe(operationIds.length)
	})

	test.each(['open', 'closed'])(
		'RFC 6750 §3.1: with REGISTRATION=%s, exactly the routes that refuse anonymous callers carry a security requirement, naming the scopes they enforce',
		async (registration) => {
			const testApp = await documented({ REGISTRATION: registration })
			const { request, doc } = testApp
			for (const { name, method, url, operation } of routes(testApp, doc)) {
				if (!operation) throw new Error(`${name} is missing from /swagger/json`)
				const anonymous = await request(url, sampleRequest(method, operation))
				const challenge = anonymous.headers.get('www-authenticate')
				if (!operation.security) {
					expect({ name, status: anonymous.status, challenge }).not.toMatchObject({ status: 401 })
					continue
				}
				// One oauth2 requirement; an alternative (introspection's client authentication) may stand beside it.
				const oauth2 = operation.security.flatMap(({ oauth2 }) => (oauth2 ? [oauth2 as Scope[]] : []))
				expect({ name, oauth2Requirements: oauth2.length }).toEqual({ name, oauth2Requirements: 1 })
				expect({ name, status: anonymous.status }).toEqual({ name, status: 401 })
				if (operation.security.length === 1)
					expect({ name, challenge }).toEqual({ name, challenge: 'Bearer realm="tessera"' })
				// Which scopes the route enforces: a token lacking exactly one scope is refused iff that scope is required.
				const enforced: Scope[] = []
				for (const missing of SCOPE_NAMES) {
					const { access_token } = await login(request, 'admin', 'admin-secret', {
						scope: SERVER_CATALOG.format(SCOPE_NAMES.filter((scope) => scope !== missing))
					})
					const response = await request(
						url,
						bearer(access_token, sampleRequest(method, operation))
					)
					if (response.status === 403 && (await response.json()).error === 'insufficient_scope')
						enforced.push(missing)
				}
				expect({ name, scopes: SERVER_CATALOG.format(enforced) }).toEqual({
					name,
					scopes: SERVER_CATALOG.format(oauth2[0]!)
				})
			}
		},
		// About 50 password logins (Argon2 each): 5 s is too tight on a busy 2-core machine.
		30_000
	)

	test('docs/contract.md: closed registration documents POST /users as needing admin', async () => {
		const open = await documented({ REGISTRATION: 'open' })
		const closed = await documented({ REGISTRATION: 'closed' })
		expect(open.doc.paths['/users']!.post!.security).toBeUndefined()
		expect(closed.doc.paths['/users']!.post!.security).toEqual([{ oauth2: ['admin'] }])
	})
})

describe('docs/contract.md: GET /swagger serves Swagger UI from this origin only', () => {
	/** Directive name → its source list. */
	const directives = (policy: string) =>
		Object.fromEntries(
			policy.split(';').map((directive) => {
				const [name, ...sources] = directive.trim().split(/\s+/)
				return [name!, sources]
			})
		)

	test('the page is HTML with no inline script or style and references only local assets', async () => {
		const { request } = await createTestApp()
		const response = await request('/swagger')
		expect(response.status).toBe(200)
		expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
		const html = await response.text()
		expect(html).not.toMatch(/\bhttps?:/i)
		expect(html).not.toMatch(/<style|\sstyle=|\son\w+=/i)
		const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
		expect(scripts.length).toBeGreaterThan(0)
		for (const [, attributes, content] of scripts) {
			expect(attributes).toMatch(/\ssrc="/)
			expect(content).toBe('')
		}
		const references = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map(([, url]) => url!)
		expect(references.toSorted()).toEqual([
			'/swagger/assets/favicon-32x32.png',
			'/swagger/assets/init.js',
			'/swagger/assets/swagger-ui-bundle.js',
			'/swagger/assets/swagger-ui.css'
		])
		const types = await Promise.all(
			references.map(async (url) => {
				const asset = await request(url)
				expect({ url, status: asset.status }).toEqual({ url, status: 200 })
				return asset.headers.get('content-type')?.split(';')[0]
			})
		)
		expect(types.toSorted()).toEqual(['image/png', 'text/css', 'text/javascript', 'text/javascript'])
	})

	test('the page loads Swagger UI with the local document, from a script with no remote URL', async () => {
		const { request } = await createTestApp()
		const init = await (await request('/swagger/assets/init.js')).text()
		expect(init).toContain("url: '/swagger/json'")
		expect(init).not.toMatch(/\bhttps?:/i)
	})

	test('docs/contract.md: the Content-Security-Policy allows only this origin, no inline or eval', async () => {
		const { request } = await createTestApp()
		const response = await request('/swagger')
		expect(response.headers.get('content-security-policy')).toBe(SWAGGER_CSP)
		expect(response.headers.get('x-content-type-options')).toBe('nosniff')
		const policy = directives(SWAGGER_CSP)
		expect(policy).toMatchObject({
			'default-src': ["'none'"],
			'script-src': ["'self'"],
			'style-src': ["'self'"],
			'connect-src': ["'self'"],
			'frame-ancestors': ["'none'"],
			'base-uri': ["'none'"]
		})
		for (const sources of Object.values(policy))
			for (const source of sources) expect(["'self'", "'none'", 'data:']).toContain(source)
		// data: only for the icons inside swagger-ui.css
		expect(Object.entries(policy).filter(([, sources]) => sources.includes('data:'))).toEqual([
			['img-src', ["'self'", 'data:']]
		])
	})

	test.each([
		'/swagger/assets/..%2Fpackage.json',
		'/swagger/assets/..%2F..%2Fpackage.json',
		'/swagger/assets/%2e%2e%2fpackage.json',
		'/swagger/assets/..%5Cpackage.json',
		'/swagger/assets/package.json',
		'/swagger/assets/oauth2-redirect.html',
		'/swagger/assets/unknown.js',
		'/swagger/assets/__proto__',
		'/swagger/assets/constructor'
	])('the asset route serves an allow-list only: %s → 404 JSON', async (path) => {
		const { request } = await createTestApp()
		const response = await request(path)
		expect(response.status).toBe(404)
		expect(response.headers.get('content-type')).toStartWith('application/json')
		expect(await response.json()).toEqual({ error: 'not_found', error_description: 'Not found' })
	})
})
