/**
 * @module users/service
 * User records: lookup, registration, password and state changes. Password rules live here;
 * hashing is the PasswordHasher's.
 */
import {
	PASSWORD_MAX_BYTES,
	PASSWORD_MIN_BYTES,
	passwordBytes,
	type PasswordHasher
} from '../../auth/password'
import { isoTime, type Clock } from '../../clock'
import type { UserPort, UserRow as User } from '../../store/port'
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
	constructor(
		private readonly store: UserPort,
		private readonly passwords: PasswordHasher,
		private readonly clock: Clock
	) {}

	/** Usernames match regardless of letter case. */
	async findByUsername(username: string): Promise<User | undefined> {
		return (await this.store.findByUsername(username)) ?? undefined
	}

	async findById(id: number): Promise<User | undefined> {
		return (await this.store.findById(id)) ?? undefined
	}

	async create(user: NewUser): Promise<User> {
		if (await this.store.findByUsername(user.username)) throw new Conflict('The username is taken')
		const passwordHash = await this.passwords.hash(user.password)
		const now = this.clock()
		const row = await this.store.insert({
			username: user.username,
			passwordHash,
			email: user.email ?? null,
			fullName: user.fullName ?? null,
			scopes: formatScope(user.scopes),
			disabled: user.disabled ?? false,
			createdAt: now,
			updatedAt: now
		})
		// Two registrations raced past the check above while hashing; the unique index decided.
		if (!row) throw new Conflict('The username is taken')
		return row
	}

	async setPassword(userId: number, password: string): Promise<void> {
		await this.storeHash(userId, await this.passwords.hash(password))
	}

	/**
	 * Stores a hash computed elsewhere. With `replacing` (rehash on login), only while that hash is
	 * still the stored one: a password changed meanwhile is never overwritten with the old password.
	 */
	async storeHash(userId: number, passwordHash: string, replacing?: string): Promise<void> {
		await this.store.setPasswordHash(userId, passwordHash, this.clock(), replacing)
	}

	async update(userId: number, changes: { disabled?: boolean; scopes?: Scope[] }): Promise<User | undefined> {
		const row = await this.store.update(
			userId,
			{
				...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
				...(changes.scopes === undefined ? {} : { scopes: formatScope(changes.scopes) })
			},
			this.clock()
		)
		return row ?? undefined
	}

	/** Keyset pagination by id: stable while walking, whatever is inserted meanwhile. */
	list(filter: { afterId?: number; limit: number; usernamePrefix?: string; disabled?: boolean }): Promise<User[]> {
		return this.store.list(filter)
	}

	delete(userId: number): Promise<boolean> {
		return this.store.delete(userId)
	}
}
