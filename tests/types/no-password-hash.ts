/**
 * docs/contract.md "Library": the `user` handed to a handler, and every account the library
 * returns, is the public account — never a password hash, in its type (this file) or at run time
 * (tests/security/no-password-hash.test.ts).
 */
import { Elysia } from 'elysia'
import { bearerAuth, type Account, type Tessera } from '../../src/index'
import { expectType, type Exact } from './assert'

declare const tessera: Tessera<'profile'>

export const app = new Elysia().use(bearerAuth(tessera)).get(
	'/me',
	({ user, principal }) => {
		// @ts-expect-error the handler's user has no password hash
		user.passwordHash
		// @ts-expect-error nor under the column's name
		user.password_hash
		if (principal.kind === 'user')
			// @ts-expect-error nor the principal's user
			principal.user.passwordHash
		return user
	},
	{ user: ['profile'] }
)

export async function accounts() {
	const created = await tessera.users.create({
		username: 'carol',
		password: 'a long passphrase',
		scopes: ['profile']
	})
	expectType<Exact<typeof created, Account<'profile'>>>(true)
	// @ts-expect-error an account the library returns has no password hash
	created.passwordHash
	const found = await tessera.users.findByUsername('carol')
	// @ts-expect-error nor one it finds
	found?.passwordHash
	const page = await tessera.users.list({ limit: 10 })
	expectType<Exact<(typeof page)[number], Account<'profile'>>>(true)
}

/** Account is exactly the public shape; nothing else may appear on it. */
expectType<
	Exact<keyof Account, 'id' | 'username' | 'email' | 'full_name' | 'disabled' | 'scopes' | 'created_at'>
>(true)
