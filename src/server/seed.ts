/**
 * @module seed
 * The demo data of docs/contract.md. Idempotent: a second run adds nothing (the posts only go in while
 * johndoe has none).
 */
import { postStore } from './modules/posts/store'
import type { GrantType } from '../oauth/clients'
import { SERVER_SCOPE_NAMES, type ServerScope as Scope } from './scopes'
import type { Tessera } from '../tessera'

export const DEMO_USERS = [
	{
		username: 'johndoe',
		password: 'secret',
		scopes: ['profile', 'posts:read', 'posts:write'],
		disabled: false,
		full_name: 'John Doe',
		email: 'johndoe@example.com'
	},
	{
		username: 'alice',
		password: 'secret2',
		scopes: ['profile', 'posts:read', 'posts:write'],
		disabled: true,
		full_name: 'Alice Wonderson',
		email: 'alice@example.com'
	},
	{
		username: 'admin',
		password: 'admin-secret',
		scopes: [...SERVER_SCOPE_NAMES],
		disabled: false,
		full_name: 'Administrator',
		email: null
	}
] as const satisfies ReadonlyArray<{
	username: string
	password: string
	scopes: readonly Scope[]
	disabled: boolean
	full_name: string
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
		scopes: SERVER_SCOPE_NAMES.filter((scope) => scope !== 'admin')
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
 * Demo passwords are shorter than the account rule allows (docs/contract.md fixes them), so they go
 * to the store directly rather than through the accounts service.
 */
export async function seedDemo(tessera: Tessera<Scope>): Promise<void> {
	for (const user of DEMO_USERS) {
		if (await tessera.users.findByUsername(user.username)) continue
		const now = tessera.clock()
		await tessera.store.users.insert({
			username: user.username,
			passwordHash: await tessera.passwords.hash(user.password),
			email: user.email,
			fullName: user.full_name,
			scopes: user.scopes.join(' '),
			disabled: user.disabled,
			createdAt: now,
			updatedAt: now
		})
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
