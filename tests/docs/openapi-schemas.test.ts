import { describe, expect, test } from 'bun:test'
import { createTestApp } from '../helpers/app'

const METHODS = ['get', 'put', 'post', 'patch', 'delete']

async function openApi(env: Record<string, string> = {}) {
	const { request } = await createTestApp(env)
	const response = await request('/swagger/json')
	expect(response.status).toBe(200)
	return (await response.json()) as any
}

function operations(doc: any): Array<[string, any]> {
	return Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
		Object.entries(item)
			.filter(([method]) => METHODS.includes(method))
			.map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, any])
	)
}

/** Every value in the document, with where it is. */
function* walk(value: unknown, at = '#'): Generator<[string, unknown]> {
	yield [at, value]
	if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* walk(item, `${at}/${i}`)
	else if (typeof value === 'object' && value !== null)
		for (const [key, item] of Object.entries(value)) yield* walk(item, `${at}/${key}`)
}

describe('the OpenAPI document: schemas a client generator can use', () => {
	test('docs/contract.md: every error response of every route is the Error schema; successes have theirs', async () => {
		const doc = await openApi()
		for (const [name, operation] of operations(doc)) {
			const statuses = Object.keys(operation.responses)
			for (const status of statuses.filter((s) => Number(s) >= 400))
				expect({
					name,
					status,
					schema: operation.responses[status].content['application/json'].schema
				}).toEqual({
					name,
					status,
					schema: { $ref: '#/components/schemas/Error' }
				})
			// A success body has its schema (JSON, or GET /metrics' text); only 204 and RFC 7009's empty 200 have no body.
			for (const status of statuses.filter((s) => s.startsWith('2') && s !== '204'))
				for (const [media, { schema }] of Object.entries<any>(
					operation.responses[status].content ?? {}
				))
					expect({ name, status, media, schema: schema !== undefined }).toEqual({
						name,
						status,
						media,
						schema: true
					})
		}
	})

	test('docs/contract.md: the resource and admin routes name their scopes, and document their 401 and 403', async () => {
		const doc = await openApi()
		const security = Object.fromEntries(
			operations(doc).map(([name, operation]) => [name, operation.security])
		)
		expect(security).toMatchObject({
			'POST /posts': [{ oauth2: ['posts:write'] }],
			'PATCH /posts/{id}': [{ oauth2: ['posts:write'] }],
			'DELETE /posts/{id}': [{ oauth2: ['posts:write'] }],
			'GET /users/me/posts': [{ oauth2: ['posts:read'] }],
			'GET /admin/users': [{ oauth2: ['admin'] }],
			'PATCH /admin/users/{id}': [{ oauth2: ['admin'] }],
			'GET /admin/clients': [{ oauth2: ['admin'] }],
			'POST /admin/clients': [{ oauth2: ['admin'] }],
			'DELETE /admin/clients/{client_id}': [{ oauth2: ['admin'] }],
			'GET /admin/audit': [{ oauth2: ['admin'] }],
			'GET /metrics': [{ oauth2: ['admin'] }]
		})
		expect(security['GET /posts']).toBeUndefined()
		expect(security['GET /posts/{id}']).toBeUndefined()
		for (const [name, operation] of operations(doc))
			if (operation.security?.length === 1 && 'oauth2' in operation.security[0])
				expect({ name, documented: ['401', '403'].filter((s) => s in operation.responses) }).toEqual({
					name,
					documented: ['401', '403']
				})
	})

	test('docs/contract.md: lists document limit and cursor; paths document their parameters', async () => {
		const doc = await openApi()
		for (const path of ['/posts', '/users/me/posts', '/admin/users', '/admin/clients', '/admin/audit']) {
			const parameters = doc.paths[path].get.parameters
			expect(parameters.find((p: any) => p.name === 'limit')).toMatchObject({
				in: 'query',
				schema: { type: 'integer', minimum: 1, maximum: 100 }
			})
			expect(parameters.find((p: any) => p.name === 'cursor')).toMatchObject({ in: 'query' })
			const ok = doc.paths[path].get.responses['200'].content['application/json'].schema
			expect(ok.properties.next_cursor).toEqual({
				type: 'string',
				description: 'null on the last page',
				nullable: true
			})
		}
		expect(doc.paths['/posts/{id}'].get.parameters).toEqual([
			expect.objectContaining({
				name: 'id',
				in: 'path',
				required: true,
				schema: expect.objectContaining({ type: 'integer' })
			})
		])
		expect(doc.paths['/admin/users'].get.parameters.map((p: any) => p.name)).toEqual([
			'limit',
			'cursor',
			'username_prefix',
			'disabled'
		])
	})

	test('docs/contract.md: request bodies are JSON only, with their schemas', async () => {
		const doc = await openApi()
		for (const [name, operation] of operations(doc)) {
			if (!operation.requestBody || name.startsWith('POST /oauth/')) continue
			expect({ name, types: Object.keys(operation.requestBody.content) }).toEqual({
				name,
				types: ['application/json']
			})
		}
		const post = doc.paths['/posts'].post.requestBody.content['application/json'].schema
		expect(post.properties.title).toMatchObject({ minLength: 1, maxLength: 200 })
		expect(post.properties.content).toMatchObject({ maxLength: 20_000 })
		const client = doc.paths['/admin/clients'].post.requestBody.content['application/json'].schema
		expect(client.properties.grants.items.enum).toEqual([
			'password',
			'refresh_token',
			'client_credentials'
		])
	})

	test('OpenAPI 3.0.3: named schemas are components, every $ref resolves, no JSON Schema 2020 spellings', async () => {
		const doc = await openApi()
		expect(doc.openapi).toBe('3.0.3')
		expect(Object.keys(doc.components.schemas).sort()).toEqual(
			['AuditEvent', 'Client', 'CreatedClient', 'Error', 'Post', 'User'].sort()
		)
		for (const [at, value] of walk(doc)) {
			if (typeof value !== 'object' || value === null || Array.isArray(value)) continue
			const node = value as Record<string, unknown>
			if (typeof node.$ref === 'string') {
				const name = node.$ref.replace('#/components/schemas/', '')
				expect({ at, resolves: name in doc.components.schemas }).toEqual({ at, resolves: true })
			}
			// 3.0 has no `type: null`, `const`, `$id`, `examples` in schemas or `patternProperties`.
			for (const key of ['$id', 'const', 'patternProperties'])
				expect({ at, key, present: key in node }).toEqual({ at, key, present: false })
			expect({ at, nullType: node.type === 'null' }).toEqual({ at, nullType: false })
		}
		const post = doc.components.schemas.Post
		expect(post.properties.id).toEqual({ type: 'integer' })
		expect(doc.components.schemas.User.properties.email).toEqual({ type: 'string', nullable: true })
		expect(doc.components.schemas.AuditEvent.properties.detail).toMatchObject({
			type: 'object',
			additionalProperties: true,
			nullable: true
		})
	})
})
