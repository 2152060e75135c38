/**
 * @module auth/throttle
 * Login throttling (docs/contract.md, RFC 6749 §10.10, RFC 9700 §4.1 on credential guessing). Failed
 * logins are counted per username and per client address in `login_throttle`, so every instance
 * sharing the database agrees. The policy:
 *
 * - a username may fail USERNAME_FREE_FAILURES times in a row, an address ADDRESS_FREE_FAILURES
 *   times, without delay; the failure that reaches the limit blocks the key for
 *   FIRST_BLOCK_SECONDS, and every further failure doubles the block, up to MAX_BLOCK_SECONDS;
 * - a blocked key answers 429 with Retry-After and runs no Argon2 at all;
 * - a successful login resets its username's counter; a key without a failure for
 *   MEMORY_SECONDS starts again from zero, and prune() deletes it.
 *
 * A username's attempt is counted when it is admitted, in the transaction that checks the block,
 * before Argon2: concurrent guesses at one account cannot all slip past a check that none of them
 * has failed yet, so a burst gets no more tries than a sequence. A success resets the counter; an
 * attempt that never reached Argon2 (503) takes its count back. An address is counted when a
 * failure is known: many users share addresses, and their logins in flight must not lock each
 * other out. Usernames are stored hashed: a username field sometimes holds a mistyped password.
 */
import type { Db } from '../db/client'
import { nowSeconds } from '../db/client'
import { TooManyRequests } from '../errors'
import { hashSecret } from '../tokens/opaque'

export const USERNAME_FREE_FAILURES = 5
/** Higher than per username: many users may share an address (NAT, a proxy without TRUST_PROXY). */
export const ADDRESS_FREE_FAILURES = 50
export const FIRST_BLOCK_SECONDS = 1
export const MAX_BLOCK_SECONDS = 15 * 60
/** Long enough that waiting for the counter to be forgotten never beats the capped block rate. */
export const MEMORY_SECONDS = 12 * 60 * 60

/** An admitted login attempt; its username counts as failed until it is known to be otherwise. */
export interface Admission {
	readonly usernameKey: string
	readonly addressKey: string | null
	/** Seconds the username stays blocked should this attempt fail (0: none). */
	readonly blockSeconds: number
}

type Decision = { retryAfter: number } | { blockSeconds: number }

/** The failure count after this one: from 1 again when the last failure is forgotten. */
const NEXT = `CASE WHEN last_failure_at <= $now - ${MEMORY_SECONDS} THEN 1 ELSE failures + 1 END`
/** Until when `n` failures block: FIRST_BLOCK_SECONDS · 2^(n − free), capped; 0 below the limit. */
const blockedUntil = (n: string) =>
	`CASE WHEN ${n} >= $free THEN $now + min(${MAX_BLOCK_SECONDS}, ${FIRST_BLOCK_SECONDS} << min(${n} - $free, 30)) ELSE 0 END`

export class LoginThrottle {
	readonly #blockedUntil
	readonly #count
	readonly #uncount
	readonly #reset
	readonly #prune
	readonly #admit

	constructor(db: Db) {
		const sqlite = db.$client
		this.#blockedUntil = sqlite.query<
			{ until: number | null },
			{ username: string; address: string | null }
		>('SELECT max(blocked_until) AS until FROM login_throttle WHERE key IN ($username, $address)')
		// One statement per failure: the count, its block and its forgetting decided atomically.
		this.#count = sqlite.query<{ blocked_until: number }, { key: string; now: number; free: number }>(
			`INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until)
			VALUES ($key, 1, $now, ${blockedUntil('1')})
			ON CONFLICT (key) DO UPDATE SET
				failures = ${NEXT}, last_failure_at = $now, blocked_until = ${blockedUntil(NEXT)}
			RETURNING blocked_until`
		)
		this.#uncount = sqlite.query<never, { key: string; free: number }>(
			`UPDATE login_throttle
			SET failures = failures - 1,
				blocked_until = CASE WHEN failures - 1 >= $free THEN blocked_until ELSE 0 END
			WHERE key = $key AND failures > 0`
		)
		this.#reset = sqlite.query<never, { key: string }>('DELETE FROM login_throttle WHERE key = $key')
		this.#prune = sqlite.query<never, { now: number }>(
			`DELETE FROM login_throttle WHERE blocked_until <= $now AND last_failure_at <= $now - ${MEMORY_SECONDS}`
		)
		// `immediate`: the check and the count hold the write lock together, across processes too.
		this.#admit = sqlite.transaction(
			(username: string, address: string | null, now: number): Decision => {
				const until = this.#blockedUntil.get({ username, address })?.until ?? 0
				if (until > now) return { retryAfter: until - now }
				const counted = this.#count.get({ key: username, now, free: USERNAME_FREE_FAILURES })!
				return { blockSeconds: Math.max(0, counted.blocked_until - now) }
			}
		)
	}

	/**
	 * Decides, before any Argon2 run, whether a login may be tried; throws TooManyRequests while the
	 * username or the address is blocked. The answer is the same for existing and unknown usernames.
	 */
	admit(username: string, address: string | null, now = nowSeconds()): Admission {
		const usernameKey = `user:${hashSecret(username)}`
		const addressKey = address === null ? null : `addr:${address}`
		const decision = this.#admit.immediate(usernameKey, addressKey, now)
		if ('retryAfter' in decision) throw new TooManyRequests(decision.retryAfter)
		return { usernameKey, addressKey, blockSeconds: decision.blockSeconds }
	}

	/** The credentials were wrong: the address counts the failure too. Returns the block it caused, in seconds. */
	failed({ addressKey, blockSeconds }: Admission, now = nowSeconds()): number {
		if (addressKey === null) return blockSeconds
		const counted = this.#count.get({ key: addressKey, now, free: ADDRESS_FREE_FAILURES })!
		return Math.max(blockSeconds, counted.blocked_until - now)
	}

	/** The login succeeded: the username starts afresh. */
	succeeded({ usernameKey }: Admission): void {
		this.#reset.run({ key: usernameKey })
	}

	/** Nothing was tried (the Argon2 queue was full): the attempt does not count. */
	abandoned({ usernameKey }: Admission): void {
		this.#uncount.run({ key: usernameKey, free: USERNAME_FREE_FAILURES })
	}

	/** Deletes counters that are forgotten anyway. */
	prune(now = nowSeconds()): number {
		return this.#prune.run({ now }).changes
	}
}
