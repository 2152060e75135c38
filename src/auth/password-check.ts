/**
 * @module auth/password-check
 * Checking a password someone presents for an account, wherever it happens (the password grant,
 * a password change): throttle admission first (429 before any Argon2 run), exactly one Argon2
 * run whatever the account, and every failure counted and audited. One path, so guessing through
 * a stolen access token at PUT /users/me/password costs what guessing at the token endpoint does.
 */
import type { AuditTrail, AuditType } from '../audit'
import type { UserRow } from '../store/port'
import type { PasswordHasher } from './password'
import type { LoginThrottle } from './throttle'

export interface PasswordAttempt {
	/** As presented: unknown usernames are throttled like known ones. */
	username: string
	/** The account it names, if any: null costs a dummy Argon2 run. */
	user: UserRow | null
	/** Undefined (omitted) still costs an Argon2 run, so its answer comes no sooner. */
	password: string | undefined
	address: string | null
	clientId: string
	sessionId?: string
}

export type PasswordVerdict =
	| { ok: true }
	| { ok: false; reason: 'missing password' | 'unknown user' | 'wrong password' | 'disabled user' }

export async function checkPassword(
	{ throttle, passwords, audit }: { throttle: LoginThrottle; passwords: PasswordHasher; audit: AuditTrail },
	attempt: PasswordAttempt,
	failureEvent: AuditType
): Promise<PasswordVerdict> {
	const { user, password } = attempt
	const admission = await throttle.admit(attempt.username, attempt.address)
	let matches: boolean
	try {
		matches = await passwords.verify(password ?? '', user?.passwordHash ?? null)
	} catch (error) {
		await throttle.abandoned(admission)
		throw error
	}
	if (password !== undefined && user && matches && !user.disabled) {
		await throttle.succeeded(admission)
		return { ok: true }
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
