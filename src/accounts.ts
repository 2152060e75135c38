/**
 * @module accounts
 * User accounts. What leaves this module is an Account: the public view of a user, the same shape
 * the API shows. The password hash stays inside, in the row type of the store port; checking a
 * password happens here, through the login throttle, so no caller ever needs the hash.
 */
import type { AuditTrail, AuditType } from './audit'
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES, passwordBytes, type PasswordHasher } from './auth/password'
import type { LoginThrottle } from './auth/throttle'
import { isoTime, type Clock } from './clock'
import { Conflict, InvalidRequest } from './errors'
import type { Logger } from './http/logger'
import type { ScopeCatalog } from './oauth/scope'
import type { UserPort, UserRow } from './store/port'

/** A user as anyone outside the core sees one: never a password hash. */
export interface Account<S extends string = string> {
	id: number
	username: string
	email: string | null
	full_name: string | null
	disabled: boolean
	/** What the user may be granted. */
	scopes: S[]
	/** RFC 3339. */
	created_at: string
}

export interface NewAccount<S extends string = string> {
	username: string
	/** 8 to 1024 bytes. */
	password: string
	email?: string | null
	full_name?: string | null
	scopes: S[]
	disabled?: boolean
}

export const USERNAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9._-]{2,31}$'
const USERNAME = new RegExp(USERNAME_PATTERN)

/** Passwords are 8 to 1024 bytes (demo users' shorter ones are seeded past this rule). */
export function checkPasswordLength(password: string, field = 'password'): void {
	const bytes = passwordBytes(password)
	if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES)
		throw new InvalidRequest(`The ${field} must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes`)
}

/** A password presented for an account, and where from. */
export interface PasswordAttempt {
	/** As presented: unknown usernames are throttled like known ones. */
	username: string
	/** Undefined (omitted) still costs an Argon2 run, so its answer comes no sooner. */
	password: string | undefined
	address: string | null
	clientId: string
	sessionId?: string
}

export type PasswordVerdict<S extends string> =
	| { ok: true; account: Account<S> }
	| { ok: false; reason: 'missing password' | 'unknown user' | 'wrong password' | 'disabled user' }

export class Accounts<S extends string = string> {
	constructor(
		private readonly store: UserPort,
		private readonly deps: {
			scopes: ScopeCatalog<S>
			passwords: PasswordHasher
			throttle: LoginThrottle
			audit: AuditTrail
			log: Logger
			clock: Clock
		}
	) {}

	/** The public view of a stored user. */
	toAccount(row: UserRow): Account<S> {
		return {
			id: row.id,
			username: row.username,
			email: row.email,
			full_name: row.fullName,
			disabled: row.disabled,
			scopes: this.deps.scopes.list(row.scopes),
			created_at: isoTime(row.createdAt)
		}
	}

	async find(id: number): Promise<Account<S> | null> {
		const row = await this.store.findById(id)
		return row && this.toAccount(row)
	}

	/** Usernames match regardless of letter case. */
	async findByUsername(username: string): Promise<Account<S> | null> {
		const row = await this.store.findByUsername(username)
		return row && this.toAccount(row)
	}

	/** Creates an account; a taken username (in any letter case) is a 409. */
	async create(account: NewAccount<S>): Promise<Account<S>> {
		if (!USERNAME.test(account.username))
			throw new InvalidRequest('The username must be 3 to 32 letters, digits, dots, dashes or underscores')
		const { scopes } = this.deps
		const unknown = account.scopes.find((scope) => !scopes.has(scope))
		if (unknown !== undefined) throw new InvalidRequest(`The scope ${unknown} is not in the catalog`)
		checkPasswordLength(account.password)
		return this.#insert(account, await this.deps.passwords.hash(account.password))
	}

	async setPassword(id: number, password: string): Promise<void> {
		checkPasswordLength(password)
		await this.store.setPasswordHash(id, await this.deps.passwords.hash(password), this.deps.clock())
	}

	/** Changes state or scopes; null when there is no such account. Ending sessions is the caller's. */
	async update(id: number, changes: { disabled?: boolean; scopes?: S[] }): Promise<Account<S> | null> {
		const row = await this.store.update(
			id,
			{
				...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
				...(changes.scopes === undefined ? {} : { scopes: this.deps.scopes.format(changes.scopes) })
			},
			this.deps.clock()
		)
		return row && this.toAccount(row)
	}

	/** Keyset pagination by id: stable while walking, whatever is inserted meanwhile. */
	async list(filter: { afterId?: number; limit: number; usernamePrefix?: string; disabled?: boolean }) {
		return (await this.store.list(filter)).map((row) => this.toAccount(row))
	}

	/** Deletes the account; its sessions end with it. */
	delete(id: number): Promise<boolean> {
		return this.store.delete(id)
	}

	/**
	 * Checks a password for the account it names, wherever that happens (the password grant, a
	 * password change): throttle admission first (429 before any Argon2 run), exactly one Argon2
	 * run whatever the account, every failure counted and audited as `failureEvent`. One path, so a
	 * stolen access token buys no more guesses at PUT /users/me/password than the token endpoint gives.
	 */
	async verifyPassword(attempt: PasswordAttempt, failureEvent: AuditType): Promise<PasswordVerdict<S>> {
		const { throttle, passwords, audit } = this.deps
		const { password } = attempt
		const admission = await throttle.admit(attempt.username, attempt.address)
		const user = await this.store.findByUsername(attempt.username)
		let matches: boolean
		try {
			// Its fair share of the Argon2 queue: per address, else per account.
			matches = await passwords.verify(
				password ?? '',
				user?.passwordHash ?? null,
				admission.address?.key ?? admission.username.key
			)
		} catch (error) {
			await throttle.abandoned(admission)
			throw error
		}
		if (password !== undefined && user && matches && !user.disabled) {
			await throttle.succeeded(admission)
			await this.#rehashIfOutdated(user, password)
			return { ok: true, account: this.toAccount(user) }
		}
		const reason =
			password === undefined
				? 'missing password'
				: !user
					? 'unknown user'
					: !matches
						? 'wrong password'
						: 'disabled user'
		const blockSeconds = throttle.failed(admission)
		const fields = {
			userId: user?.id,
			sessionId: attempt.sessionId,
			clientId: attempt.clientId,
			address: attempt.address
		}
		await audit.record(failureEvent, { ...fields, detail: { reason } })
		if (blockSeconds > 0) await audit.record('login.throttled', { ...fields, detail: { retry_after: blockSeconds } })
		return { ok: false, reason }
	}

	/**
	 * The hash is made before the insert, also for a taken username, so a 409 takes as long as a
	 * 201: the answer's time does not tell which usernames exist.
	 */
	async #insert(account: NewAccount<S>, passwordHash: string): Promise<Account<S>> {
		const now = this.deps.clock()
		const row = await this.store.insert({
			username: account.username,
			passwordHash,
			email: account.email ?? null,
			fullName: account.full_name ?? null,
			scopes: this.deps.scopes.format(account.scopes),
			disabled: account.disabled ?? false,
			createdAt: now,
			updatedAt: now
		})
		// The unique index on lower(username) decides, also between registrations racing each other.
		if (!row) throw new Conflict('The username is taken')
		return this.toAccount(row)
	}

	/**
	 * The stored hash was made with other parameters than the configured ones: upgrade it while
	 * the password is at hand, and only while that hash is still the stored one (a password
	 * changed meanwhile is never overwritten). A busy hasher only postpones this.
	 */
	async #rehashIfOutdated(user: UserRow, password: string): Promise<void> {
		const { passwords, clock, log } = this.deps
		if (!passwords.needsRehash(user.passwordHash)) return
		try {
			await this.store.setPasswordHash(user.id, await passwords.hash(password), clock(), user.passwordHash)
		} catch (error) {
			log.warn('rehash postponed', { user_id: user.id, error: String(error) })
		}
	}
}
