/**
 * @module posts
 * The demo resource on the bearer-auth plugin: GET/POST /posts, GET/PATCH/DELETE /posts/:id and
 * GET /users/me/posts. Reading is public; writing needs `posts:write`, and changing a post needs
 * its owner or `admin`.
 */
import { Elysia } from 'elysia'
import { bearerAuth } from '../../../auth/bearer'
import { NotFound } from '../../../errors'
import { jsonBody } from '../../../http/json-body'
import { Keyset, PAGE_QUERY } from '../../../http/pagination'
import { parameters, readQuery, readRowId, ROW_ID } from '../../../http/query'
import { errorResponses, jsonResponse } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'
import { PostModel } from './model'
import { assertMayModify, publicPost } from './service'
import { postStore } from './store'

const POSTS = new Keyset('posts', 'integer')
const BY_ID = parameters({}, { id: ROW_ID })
const BAD_REQUEST: [number, string] = [400, 'invalid_request: a malformed body or parameter']

export const postsModule = (tessera: Tessera<ServerScope>) => {
	const store = postStore(tessera.store)
	const find = async (id: string) => {
		const post = await store.find(readRowId(id))
		if (!post) throw new NotFound('No such post')
		return post
	}
	const list = async (query: Record<string, string | undefined>, ownerId?: number) => {
		const page = POSTS.read(readQuery(query, PAGE_QUERY))
		const rows = await store.list({ beforeId: page.after, limit: page.take, ownerId })
		return POSTS.page(rows, page, (post) => post.id, publicPost)
	}

	return new Elysia({ name: 'tessera.posts', seed: tessera.settings.issuer })
		.use(bearerAuth(tessera))
		.use(jsonBody())
		.get('/posts', ({ query }) => list(query), {
			detail: {
				tags: ['posts'],
				summary: 'List posts, newest first',
				parameters: parameters(PAGE_QUERY),
				responses: {
					200: jsonResponse('A page of posts', PostModel.page),
					...errorResponses(BAD_REQUEST)
				}
			}
		})
		.get('/posts/:id', async ({ params }) => publicPost(await find(params.id)), {
			detail: {
				tags: ['posts'],
				summary: 'Read a post',
				parameters: BY_ID,
				responses: { 200: jsonResponse('The post', PostModel.post), ...errorResponses(404) }
			}
		})
		.post(
			'/posts',
			async ({ body, user, set }) => {
				const post = await store.create(user.id, body, tessera.clock())
				set.status = 201
				set.headers.location = `/posts/${post.id}`
				return publicPost(post)
			},
			{
				user: ['posts:write'],
				parse: 'json',
				body: PostModel.create,
				detail: {
					tags: ['posts'],
					summary: 'Write a post, owned by the current user',
					responses: {
						201: jsonResponse('Created; Location names it', PostModel.post),
						...errorResponses(BAD_REQUEST, 401, 403, 413)
					}
				}
			}
		)
		.patch(
			'/posts/:id',
			async ({ params, body, principal }) => {
				const post = await find(params.id)
				assertMayModify(principal, post)
				return publicPost((await store.update(post.id, body, tessera.clock())) ?? post)
			},
			{
				scope: ['posts:write'],
				parse: 'json',
				body: PostModel.update,
				detail: {
					tags: ['posts'],
					summary: 'Change a post (its owner, or admin); partial',
					parameters: BY_ID,
					responses: {
						200: jsonResponse('The changed post', PostModel.post),
						...errorResponses(
							BAD_REQUEST,
							401,
							[403, 'Not the owner, or insufficient_scope'],
							404,
							413
						)
					}
				}
			}
		)
		.delete(
			'/posts/:id',
			async ({ params, principal, set }) => {
				const post = await find(params.id)
				assertMayModify(principal, post)
				await store.delete(post.id)
				set.status = 204
			},
			{
				scope: ['posts:write'],
				detail: {
					tags: ['posts'],
					summary: 'Delete a post (its owner, or admin)',
					parameters: BY_ID,
					responses: {
						204: { description: 'Deleted' },
						...errorResponses(401, [403, 'Not the owner, or insufficient_scope'], 404)
					}
				}
			}
		)
		.get('/users/me/posts', ({ query, user }) => list(query, user.id), {
			user: ['posts:read'],
			detail: {
				tags: ['posts'],
				summary: 'The current user’s posts, newest first',
				parameters: parameters(PAGE_QUERY),
				responses: {
					200: jsonResponse('A page of posts', PostModel.page),
					...errorResponses(BAD_REQUEST, 401, 403)
				}
			}
		})
}
