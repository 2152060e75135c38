import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { DEMO_POSTS, seedDemo } from '../../src/server/seed'
import { createTestApp, type TestApp } from '../helpers/app'
import { basic, bearer, form, json, login } from '../helpers/http'

type Request = TestApp['request']

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const JOHNDOE_ID = 1

/** A second writer: REGISTRATION is open in tests, and registered users get posts:write. */
async function registerBob(request: Request) {
	const response = await request('/users', json({ username: 'bob', password: 'correct horse' }))
	expect(response.status).toBe(201)
	const { id } = (await response.json()) as { id: number }
	return { id, token: (await login(request, 'bob', 'correct horse')).access_token }
}

async function createPost(request: Request, token: string, fields = { title: 'Title', content: 'Body' }) {
	const response = await request('/posts', bearer(token, json(fields)))
	expect(response.status).toBe(201)
	return (await response.json()) as { id: number; title: string; content: string; owner_id: number }
}

async function allPosts(request: Request) {
	const response = await request('/posts?limit=100')
	return ((await response.json()) as { items: Array<{ id: number; title: string }> }).items
}

async function clientToken(request: Request) {
	const response = await request(
		'/oauth/token',
		form(
			{ grant_type: 'client_credentials' },
			{ authorization: basic('demo-service', 'demo-service-secret') }
		)
	)
	return ((await response.json()) as { access_token: string }).access_token
}

describe('POST /posts', () => {
	test('docs/contract.md: creates a post owned by the current user → 201 with Location', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request(
			'/posts',
			bearer(access_token, json({ title: 'Hi', content: 'There' }))
		)
		expect(response.status).toBe(201)
		const post = (await response.json()) as any
		expect(post).toEqual({
			id: expect.any(Number),
			title: 'Hi',
			content: 'There',
			owner_id: JOHNDOE_ID,
			created_at: expect.stringMatching(ISO),
			updated_at: post.created_at
		})
		expect(response.headers.get('location')).toBe(`/posts/${post.id}`)
		const read = await request(response.headers.get('location')!)
		expect(await read.json()).toEqual(post)
	})

	test('RFC 6750 §3: no token → 401 with a bare Bearer challenge', async () => {
		const { request } = await createTestApp()
		const response = await request('/posts', json({ title: 'Hi', content: 'There' }))
		expect(response.status).toBe(401)
		expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')
		expect(await allPosts(request)).toHaveLength(DEMO_POSTS.length)
	})

	test('RFC 6750 §3.1: a forged token → 401 invalid_token', async () => {
		const { request } = await createTestApp()
		const response = await request('/posts', bearer('not.a.jwt', json({ title: 'Hi', content: 'There' })))
		expect(response.status).toBe(401)
		expect(((await response.json()) as any).error).toBe('invalid_token')
	})

	test('RFC 6750 §3.1: a token without posts:write → 403 insufficient_scope', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request, 'johndoe', 'secret', { scope: 'profile posts:read' })
		const response = await request(
			'/posts',
			bearer(access_token, json({ title: 'Hi', content: 'There' }))
		)
		expect(response.status).toBe(403)
		expect(response.headers.get('www-authenticate')).toContain('scope="posts:write"')
		expect(await response.json()).toEqual({
			error: 'insufficient_scope',
			error_description: 'The access token lacks a required scope',
			scope: 'posts:write'
		})
	})

	test('docs/contract.md: title 1–200 and content ≤ 20 000 characters; the bounds themselves pass', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		for (const fields of [
			{ title: 'x', content: '' },
			{ title: 'x'.repeat(200), content: 'y'.repeat(20_000) }
		])
			expect((await request('/posts', bearer(access_token, json(fields)))).status).toBe(201)
	})

	test('docs/contract.md: a bad body → 400 invalid_request naming the field (never 422), nothing stored', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const cases: Array<[unknown, string]> = [
			[{ title: '', content: 'c' }, '/title'],
			[{ title: 'x'.repeat(201), content: 'c' }, '/title'],
			[{ title: 't', content: 'y'.repeat(20_001) }, '/content'],
			[{ title: 't' }, '/content'],
			[{ content: 'c' }, '/title'],
			[{ title: 42, content: 'c' }, '/title'],
			[{ title: null, content: 'c' }, '/title'],
			[['t', 'c'], ''],
			['title', '']
		]
		for (const [body, field] of cases) {
			const response = await request('/posts', bearer(access_token, json(body)))
			expect(response.status).toBe(400)
			const error = (await response.json()) as any
			expect(error.error).toBe('invalid_request')
			expect(error.error_description).toContain(`Invalid body${field ? ` at ${field}` : ''}`)
		}
		expect(await allPosts(request)).toHaveLength(DEMO_POSTS.length)
	})

	test('docs/contract.md: malformed JSON, a form body or no body → 400 invalid_request', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const bodies: RequestInit[] = [
			{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title": "x",' },
			form({ title: 'x', content: 'y' }),
			{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'title=x' },
			{ method: 'POST' }
		]
		for (const init of bodies) {
			const response = await request('/posts', bearer(access_token, init))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
		expect(await allPosts(request)).toHaveLength(DEMO_POSTS.length)
	})

	test('docs/contract.md: a body over the size limit → 413 JSON error', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request(
			'/posts',
			bearer(access_token, json({ title: 't', content: 'y'.repeat(200_000) }))
		)
		expect(response.status).toBe(413)
		expect(((await response.json()) as any).error).toBe('payload_too_large')
	})
})

describe('demo posts (docs/contract.md: demo data)', () => {
	test('docs/contract.md: a few posts by johndoe; seeding again adds none', async () => {
		const { request, tessera } = await createTestApp()
		await seedDemo(tessera)
		const posts = await allPosts(request)
		expect(posts.map((post) => post.title)).toEqual(DEMO_POSTS.map((post) => post.title).reverse())
		expect(posts.every((post: any) => post.owner_id === JOHNDOE_ID)).toBe(true)
	})
})

describe('GET /posts/:id', () => {
	test('docs/contract.md: anyone may read a post, without a token', async () => {
		const { request } = await createTestApp()
		const response = await request('/posts/1')
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({
			id: 1,
			title: DEMO_POSTS[0].title,
			content: DEMO_POSTS[0].content,
			owner_id: JOHNDOE_ID,
			created_at: expect.stringMatching(ISO),
			updated_at: expect.stringMatching(ISO)
		})
	})

	test('docs/contract.md: a missing, non-numeric or out-of-range id → 404, never a 500', async () => {
		const { request } = await createTestApp()
		for (const id of ['999', '0', '-1', 'abc', '1.0', '1e3', '0x1', '99999999999999999999', '%20']) {
			const response = await request(`/posts/${id}`)
			expect(response.status).toBe(404)
			expect(((await response.json()) as any).error).toBe('not_found')
		}
	})

	test('property: no id in the path gets a 500', async () => {
		const { request } = await createTestApp()
		await fc.assert(
			fc.asyncProperty(fc.string({ minLength: 1, maxLength: 30 }), async (id) => {
				const response = await request(`/posts/${encodeURIComponent(id)}`)
				expect([200, 404]).toContain(response.status)
			}),
			{ numRuns: 200 }
		)
	})
})

describe('PATCH /posts/:id', () => {
	test('docs/contract.md: the owner changes a post; PATCH is partial', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const post = await createPost(request, access_token)
		const response = await request(
			`/posts/${post.id}`,
			bearer(access_token, json({ title: 'New' }, 'PATCH'))
		)
		expect(response.status).toBe(200)
		expect(await response.json()).toMatchObject({
			id: post.id,
			title: 'New',
			content: 'Body',
			owner_id: JOHNDOE_ID
		})
		const again = await request(
			`/posts/${post.id}`,
			bearer(access_token, json({ content: 'Text' }, 'PATCH'))
		)
		expect(await again.json()).toMatchObject({ title: 'New', content: 'Text' })
	})

	test('docs/contract.md: another user’s post → 403, and the post is unchanged', async () => {
		const { request } = await createTestApp()
		const bob = await registerBob(request)
		const response = await request('/posts/1', bearer(bob.token, json({ title: 'Mine now' }, 'PATCH')))
		expect(response.status).toBe(403)
		expect(await response.json()).toEqual({
			error: 'forbidden',
			error_description: 'Only the owner of the post or an admin may change it'
		})
		expect(((await (await request('/posts/1')).json()) as any).title).toBe(DEMO_POSTS[0].title)
	})

	test('docs/contract.md: a token with admin may change any post', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request, 'admin', 'admin-secret')
		const response = await request(
			'/posts/1',
			bearer(access_token, json({ title: 'Moderated' }, 'PATCH'))
		)
		expect(response.status).toBe(200)
		expect(await response.json()).toMatchObject({ title: 'Moderated', owner_id: JOHNDOE_ID })
	})

	test('docs/contract.md: a missing post → 404 (even for its would-be owner)', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request('/posts/999', bearer(access_token, json({ title: 'x' }, 'PATCH')))
		expect(response.status).toBe(404)
	})

	test('docs/contract.md: an empty or invalid change → 400 invalid_request, post unchanged', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		for (const body of [{}, { title: '' }, { content: 'y'.repeat(20_001) }, { title: 7 }]) {
			const response = await request('/posts/1', bearer(access_token, json(body, 'PATCH')))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_request')
		}
		expect(((await (await request('/posts/1')).json()) as any).title).toBe(DEMO_POSTS[0].title)
	})

	test('RFC 6750 §3.1: no token → 401; a read-only token → 403 insufficient_scope', async () => {
		const { request } = await createTestApp()
		expect((await request('/posts/1', json({ title: 'x' }, 'PATCH'))).status).toBe(401)
		const { access_token } = await login(request, 'johndoe', 'secret', { scope: 'posts:read' })
		const response = await request('/posts/1', bearer(access_token, json({ title: 'x' }, 'PATCH')))
		expect(response.status).toBe(403)
		expect(((await response.json()) as any).error).toBe('insufficient_scope')
	})
})

describe('DELETE /posts/:id', () => {
	test('docs/contract.md: the owner deletes a post → 204; then it is gone (404)', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request)
		const response = await request('/posts/1', bearer(access_token, { method: 'DELETE' }))
		expect(response.status).toBe(204)
		expect(await response.text()).toBe('')
		expect((await request('/posts/1')).status).toBe(404)
		expect((await request('/posts/1', bearer(access_token, { method: 'DELETE' }))).status).toBe(404)
	})

	test('docs/contract.md: another user may not delete it (403), an admin may (204)', async () => {
		const { request } = await createTestApp()
		const bob = await registerBob(request)
		const bobsPost = await createPost(request, bob.token)
		const john = await login(request)
		const refused = await request(
			`/posts/${bobsPost.id}`,
			bearer(john.access_token, { method: 'DELETE' })
		)
		expect(refused.status).toBe(403)
		expect((await request(`/posts/${bobsPost.id}`)).status).toBe(200)
		// …and the other way round.
		expect((await request('/posts/1', bearer(bob.token, { method: 'DELETE' }))).status).toBe(403)
		const admin = await login(request, 'admin', 'admin-secret')
		expect(
			(await request(`/posts/${bobsPost.id}`, bearer(admin.access_token, { method: 'DELETE' }))).status
		).toBe(204)
		expect((await request(`/posts/${bobsPost.id}`)).status).toBe(404)
	})

	test('RFC 6750 §3: no token → 401, and nothing is deleted', async () => {
		const { request } = await createTestApp()
		expect((await request('/posts/1', { method: 'DELETE' })).status).toBe(401)
		expect((await request('/posts/1')).status).toBe(200)
	})
})

describe('GET /users/me/posts', () => {
	test('docs/contract.md: lists only the current user’s posts', async () => {
		const { request } = await createTestApp()
		const bob = await registerBob(request)
		const post = await createPost(request, bob.token, { title: 'Bob’s', content: '' })
		const bobs = await request('/users/me/posts', bearer(bob.token))
		expect(bobs.status).toBe(200)
		expect(await bobs.json()).toEqual({ items: [post as any], next_cursor: null })
		const john = await login(request)
		const johns = (await (await request('/users/me/posts', bearer(john.access_token))).json()) as any
		expect(johns.items.map((p: any) => p.title)).toEqual(DEMO_POSTS.map((p) => p.title).reverse())
	})

	test('docs/contract.md: a client_credentials token (no user) → 403 saying a user is required', async () => {
		const { request } = await createTestApp()
		const response = await request('/users/me/posts', bearer(await clientToken(request)))
		expect(response.status).toBe(403)
		expect(await response.json()).toEqual({
			error: 'insufficient_scope',
			error_description: 'This resource requires a user; a client token has none',
			scope: 'posts:read'
		})
	})

	test('RFC 6750 §3.1: without posts:read → 403 insufficient_scope; without a token → 401', async () => {
		const { request } = await createTestApp()
		const { access_token } = await login(request, 'johndoe', 'secret', { scope: 'profile' })
		expect((await request('/users/me/posts', bearer(access_token))).status).toBe(403)
		expect((await request('/users/me/posts')).status).toBe(401)
	})
})

describe('pagination (docs/contract.md lists)', () => {
	async function appWithPosts(count: number) {
		const app = await createTestApp()
		const { access_token } = await login(app.request)
		for (let i = 0; i < count; i++)
			await createPost(app.request, access_token, { title: `p${i}`, content: '' })
		return { ...app, token: access_token }
	}

	async function walk(request: Request, path: string, limit: number) {
		const ids: number[] = []
		let cursor: string | null = null
		let pages = 0
		do {
			const separator = path.includes('?') ? '&' : '?'
			const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
			const response = await request(`${path}${separator}${query}`)
			expect(response.status).toBe(200)
			const page = (await response.json()) as {
				items: Array<{ id: number }>
				next_cursor: string | null
			}
			expect(page.items.length).toBeLessThanOrEqual(limit)
			ids.push(...page.items.map((item) => item.id))
			cursor = page.next_cursor
			pages++
		} while (cursor !== null)
		return { ids, pages }
	}

	test('docs/contract.md: walking every page yields each post exactly once, newest first', async () => {
		const { request } = await appWithPosts(22)
		const total = 22 + DEMO_POSTS.length
		const expected = Array.from({ length: total }, (_, i) => total - i)
		for (const limit of [1, 7, 25, 100]) {
			const { ids, pages } = await walk(request, '/posts', limit)
			expect(ids).toEqual(expected)
			expect(pages).toBe(Math.ceil(total / limit))
		}
	})

	test('docs/contract.md: a full last page has next_cursor null (no empty page after it)', async () => {
		const { request } = await appWithPosts(7)
		const { pages } = await walk(request, '/posts', 5)
		expect(pages).toBe(2)
	})

	test('docs/contract.md: default limit is 20', async () => {
		const { request } = await appWithPosts(20)
		const page = (await (await request('/posts')).json()) as any
		expect(page.items).toHaveLength(20)
		expect(page.next_cursor).toEqual(expect.any(String))
	})

	test('docs/contract.md: posts added or deleted while walking cause no gaps or duplicates', async () => {
		const { request, token } = await appWithPosts(10)
		const first = (await (await request('/posts?limit=5')).json()) as any
		await createPost(request, token, { title: 'late', content: '' })
		const lastSeen = first.items.at(-1).id
		expect((await request(`/posts/${lastSeen}`, bearer(token, { method: 'DELETE' }))).status).toBe(204)
		const second = (await (await request(`/posts?limit=5&cursor=${first.next_cursor}`)).json()) as any
		expect(second.items.map((p: any) => p.id)).toEqual([8, 7, 6, 5, 4])
	})

	test('docs/contract.md: limit 0, 101, non-numeric, fractional or signed → 400 invalid_request', async () => {
		const { request } = await createTestApp()
		for (const limit of [
			'0',
			'101',
			'abc',
			'1.5',
			'-1',
			'+5',
			'1e1',
			' 5',
			'0x10',
			'99999999999999999999'
		]) {
			const response = await request(`/posts?limit=${encodeURIComponent(limit)}`)
			expect(response.status).toBe(400)
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: 'The parameter limit must be an integer from 1 to 100'
			})
		}
		expect((await request('/posts?limit=100')).status).toBe(200)
		expect((await request('/posts?limit=1')).status).toBe(200)
	})

	test('docs/contract.md: a bad or foreign cursor → 400 invalid_request', async () => {
		const app = await createTestApp()
		const { access_token } = await login(app.request, 'admin', 'admin-secret')
		const clients = (await (
			await app.request('/admin/clients?limit=1', bearer(access_token))
		).json()) as any
		const valid = Buffer.from(JSON.stringify(['posts', 2])).toString('base64url')
		for (const cursor of [
			'garbage!',
			'x',
			Buffer.from('not json').toString('base64url'),
			Buffer.from(JSON.stringify(['posts', -1])).toString('base64url'),
			Buffer.from(JSON.stringify(['posts', 'x'])).toString('base64url'),
			Buffer.from(JSON.stringify({ posts: 2 })).toString('base64url'),
			`${valid}=`,
			clients.next_cursor
		]) {
			const response = await app.request(`/posts?cursor=${encodeURIComponent(cursor)}`)
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error_description).toContain('The cursor is invalid')
		}
		const page = (await (await app.request(`/posts?cursor=${valid}`)).json()) as any
		expect(page.items.map((p: any) => p.id)).toEqual([1])
	})

	test('property: any cursor string gets a 200 or a 400, never a 500', async () => {
		const { request } = await createTestApp()
		await fc.assert(
			fc.asyncProperty(fc.string({ maxLength: 80 }), async (cursor) => {
				const response = await request(`/posts?cursor=${encodeURIComponent(cursor)}`)
				expect([200, 400]).toContain(response.status)
			}),
			{ numRuns: 300 }
		)
	})

	test('docs/contract.md: /users/me/posts pages the same way', async () => {
		const { request, token } = await appWithPosts(6)
		const ids: number[] = []
		let cursor: string | null = null
		do {
			const page = (await (
				await request(`/users/me/posts?limit=4${cursor ? `&cursor=${cursor}` : ''}`, bearer(token))
			).json()) as any
			ids.push(...page.items.map((p: any) => p.id))
			cursor = page.next_cursor
		} while (cursor)
		expect(ids).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1])
		expect((await request('/users/me/posts?limit=0', bearer(token))).status).toBe(400)
	})
})
