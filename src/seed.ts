/**
 * @module seed
 * The demo data of docs/contract.md. Idempotent: a second run adds nothing (the posts only go in while
 * johndoe has none).
 */
import { postStore } from './modules/posts/store'
import type { GrantType } from './oauth/clients'
import { SCOPE_NAMES, type Scope } from './oauth/scope'
import type { Tessera } from './tessera'

export const DEMO_USERS = [
	{
		username: 'johndoe',
		password: 'secret',
		scopes: ['profile', 'posts:read', 'posts:write'],
		disabled: false,
		fullName: 'John Doe',
		email: 'johndoe@example.com'
	},
	{
		username: 'alice',
		password: 'secret2',
		scopes: ['profile', 'posts:read', 'posts:write'],
		disabled: true,
		fullName: 'Alice Wonderson',
		email: 'alice@example.com'
	},
	{
		username: 'admin',
		password: 'admin-secret',
		scopes: [...SCOPE_NAMES],
		disabled: false,
		fullName: 'Administrator',
		email: null
	}
] as const satisfies ReadonlyArray<{
	username: string
	password: string
	scopes: readonly Scope[]
	disabled: boolean
	fullName: string
	email: string | null
}>

export const DEMO_CLIENTS = [
	{
		id: 'demo-service',
		secret: 'demo-service-secret',
		name: 'Demo service',
		grants: ['client_credentials'],
		scopes: ['posts:read']
	},
	{
		id: 'demo-app',
		secret: 'demo-app-secret',
		name: 'Demo first-party app',
		grants: ['password', 'refresh_token'],
		scopes: SCOPE_NAMES.filter((s) => s !== 'admin')
	}
] as const satisfies ReadonlyArray<{
	id: string
	secret: string
	name: string
	grants: readonly GrantType[]
	scopes: readonly Scope[]
}>

/** Oldest first: GET /posts lists newest first. */
export const DEMO_POSTS = [
	{
		title: 'Hello from Tessera',
		content: 'This post belongs to johndoe. Anyone may read it; only johndoe or an admin may change it.'
	},
	{
		title: 'Writing a post',
		content: 'Log in with scope posts:write, then POST /posts with {"title": "…", "content": "…"}.'
	},
	{
		title: 'Reading your own posts',
		content: 'GET /users/me/posts lists the posts of the user a token speaks for (scope posts:read).'
	}
] as const

/**
 * Demo passwords are shorter than the registration rule allows (docs/contract.md fixes them), so they are
 * hashed here directly rather than through registration.
 */
export async function seedDemo(tessera: Tessera): Promise<void> {
	for (const user of DEMO_USERS) {
		if (await tessera.users.findByUsername(user.username)) continue
		await tessera.users.create({ ...user, scopes: [...user.scopes] })
	}
	for (const client of DEMO_CLIENTS) {
		if (await tessera.clients.find(client.id)) continue
		await tessera.clients.create(
			{ ...client, confidential: true, grants: [...client.grants], scopes: [...client.scopes] },
			client.secret
		)
	}
	const author = await tessera.users.findByUsername('johndoe')
	const posts = postStore(tessera.store)
	if (author && (await posts.list({ ownerId: author.id, limit: 1 })).length === 0)
		for (const post of DEMO_POSTS) await posts.create(author.id, post, tessera.clock())
}
