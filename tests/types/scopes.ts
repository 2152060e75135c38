/**
 * docs/contract.md "Library": the scope catalog types everything after it. A route option naming
 * a scope outside the catalog is a type error, and a principal's scopes are the catalog's.
 */
import { Elysia } from 'elysia'
import { bearerAuth, createTessera, type Principal, type Tessera } from '../../src/index'
import { expectType, type Exact } from './assert'

type Shop = 'orders:read' | 'orders:write'
declare const tessera: Tessera<Shop>

export const app = new Elysia()
	.use(bearerAuth(tessera))
	.get(
		'/orders',
		({ user, principal }) => {
			expectType<Exact<typeof principal.scopes, readonly Shop[]>>(true)
			expectType<Exact<typeof user.scopes, Shop[]>>(true)
			return user.username
		},
		{ user: ['orders:read'] }
	)
	.get(
		'/stats',
		({ principal }) => {
			expectType<Exact<typeof principal, Principal<Shop>>>(true)
			return principal.clientId
		},
		{ scope: ['orders:read', 'orders:write'] }
	)
	// @ts-expect-error a user route naming a scope outside the catalog
	.get('/nope', () => 'no', { user: ['nope'] })
	// @ts-expect-error a scope route naming a scope outside the catalog
	.get('/nope-either', () => 'no', { scope: ['orders:read', 'nope'] })

/** The catalog given to createTessera is what the instance is typed by. */
export async function catalogFromOptions() {
	const shop = await createTessera({
		database: { path: ':memory:' },
		issuer: 'https://id.example.com',
		scopes: { 'orders:read': 'Read your orders', 'orders:write': 'Place orders' }
	})
	expectType<Exact<typeof shop, Tessera<Shop>>>(true)
	await shop.users.create({ username: 'carol', password: 'a long passphrase', scopes: ['orders:read'] })
	// @ts-expect-error an account granted a scope outside the catalog
	await shop.users.create({ username: 'dave', password: 'a long passphrase', scopes: ['admin'] })
	await createTessera({
		database: { path: ':memory:' },
		issuer: 'https://id.example.com',
		scopes: { 'orders:read': 'Read your orders' },
		// @ts-expect-error an admin scope outside the catalog
		adminScope: 'admin'
	})
}
