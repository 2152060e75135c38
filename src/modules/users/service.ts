/**
 * @module users/service
 * User records: lookup, registration, password and state changes. Password rules live here;
 * hashing is the PasswordHasher's.
 */
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm'
import {
	PASSWORD_MAX_BYTES,
	PASSWORD_MIN_BYTES,
	passwordBytes,
	type PasswordHasher
} from '../../auth/password'
import { isoTime, nowSeconds, type Db } from '../../db/client'
import { users, type User } from '../../db/schema'
import { Conflict, InvalidRequest } from '../../errors'
import { formatScope, type Scope } from '../../oauth/scope'

/** What a self-registered user may be granted; `admin` only ever comes from an admin. */
export const REGISTERED_USER_SCOPES = ['profile', 'posts:read', 'posts:write'] as const

export const USERNAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9._-]{2,31}$'

/** What the API ever shows of a user: never the hash. */
export function publicUser(user: User) {
	return {
		id: user.id,
		username: user.username,
		email: user.email,
		full_name: user.fullName,
		disabled: user.disabled,
		scopes: user.scopes === '' ? [] : user.scopes.split(' '),
		created_at: isoTime(user.createdAt)
	}
}

/** docs/contract.md: a password is 8 to 1024 bytes (the demo users' shorter ones predate the rule). */
export function checkPasswordLength(password: string, field = 'password'): void {
	const bytes = passwordBytes(password)
	if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES)
		throw new InvalidRequest(`The ${field} must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes`)
}

export interface NewUser {
	username: string
	password: string
	email?: string | null
	fullName?: string | null
	scopes: Scope[]
	disabled?: boolean
}

export class UserStore {
	readonly #byUsername
	readonly #byId

	constructor(
		private readonly db: Db,
		private readonly passwords: PasswordHasher
	) {
		this.#byUsername = db
			.select()
			.from(users)
			.where(eq(users.username, sql.placeholder('username')))
			.prepare()
		this.#byId = db
			.select()
			.from(users)
			.where(eq(users.id, sql.placeholder('id')))
			.prepare()
	}

	findByUsername(username: string): User | undefined {
		return this.#byUsername.get({ username })
	}

	findById(id: number): User | undefined {
		return this.#byId.get({ id })
	}

	async create(user: NewUser): Promise<User> {
		if (this.findByUsername(user.username)) throw new Conflict('The username is taken')
		const passwordHash = await this.passwords.hash(user.password)
		const row = this.db
			.insert(users)
			.values({
				username: user.username,
				passwordHash,
				email: user.email ?? null,
				fullName: user.fullName ?? null,
				scopes: formatScope(user.scopes),
				disabled: user.disabled ?? false
			})
			.onConflictDoNothing()
			.returning()
			.get()
		// Two registrations raced past the check above while hashing; the unique index decided.
		if (!row) throw new Conflict('The username is taken')
		return row
	}

	async setPassword(userId: number, password: string): Promise<void> {
		const passwordHash = await this.passwords.hash(password)
		this.storeHash(userId, passwordHash)
	}

	/**
	 * Stores a hash computed elsewhere. With `replacing` (rehash on login), only while that hash is
	 * still the stored one: a password changed meanwhile is never overwritten with the old password.
	 */
	storeHash(userId: number, passwordHash: string, replacing?: string): void {
		const where = eq(users.id, userId)
		this.db
			.update(users)
			.set({ passwordHash, updatedAt: nowSeconds() })
			.where(replacing === undefined ? where : and(where, eq(users.passwordHash, replacing)))
			.run()
	}

	update(userId: number, changes: { disabled?: boolean; scopes?: Scope[] }): User | undefined {
		return this.db
			.update(users)
			.set({
				...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
				...(changes.scopes === undefined ? {} : { scopes: formatScope(changes.scopes) }),
				updatedAt: nowSeconds()
			})
			.where(eq(users.id, userId))
			.returning()
			.get()
	}

	/** Keyset pagination by id: stable while walking, whatever is inserted meanwhile. */
	list(filter: { afterId?: number; limit: number; usernamePrefix?: string; disabled?: boolean }): User[] {
		const conditions: SQL[] = []
		if (filter.afterId !== undefined) conditions.push(gt(users.id, filter.afterId))
		// A plain prefix, case-sensitive like usernames: no LIKE, whose wildcards SQLite cannot escape by default.
		if (filter.usernamePrefix !== undefined)
			conditions.push(
				sql`substr(${users.username}, 1, length(${filter.usernamePrefix})) = ${filter.usernamePrefix}`
			)
		if (filter.disabled !== undefined) conditions.push(eq(users.disabled, filter.disabled))
		const where = conditions.length ? and(...conditions) : undefined
		return this.db.select().from(users).where(where).orderBy(asc(users.id)).limit(filter.limit).all()
	}
}
