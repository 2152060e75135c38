/**
 * @module auth/throttle
 * Login throttling (SPEC.md, RFC 6749 §10.10, RFC 9700 §4.1 on credential guessing). Failed
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
 * An attempt is counted when it is admitted, before Argon2, in the same transaction that checks
 * the block: concurrent guesses cannot all slip through a check that none of them has yet
 * failed. A success takes its count back (and resets the username); so does an attempt that
 * never reached Argon2 (503). Usernames are stored hashed: a username field sometimes holds a
 * mistyped password.
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

interface ThrottleKey {
	key: string
	free: number
}

/** An admitted login attempt, counted as a failure until it is known to be otherwise. */
export interface Admission {
	readonly keys: readonly ThrottleKey[]
	/** Seconds the keys stay blocked should this attempt fail (0: none); for the audit trail. */
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
		this.#blockedUntil = sqlite.query<{ until: number | null }, { user: string; address: string | null }>(
			'SELECT max(blocked_until) AS until FROM login_throttle WHERE key IN ($user, $address)'
		)
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
		this.#admit = sqlite.transaction((keys: ThrottleKey[], now: number): Decision => {
			const until =
				this.#blockedUntil.get({ user: keys[0]!.key, address: keys[1]?.key ?? null })?.until ?? 0
			if (until > now) return { retryAfter: until - now }
			const blocked = keys.map(({ key, free }) => this.#count.get({ key, now, free })!.blocked_until)
			return { blockSeconds: Math.max(0, ...blocked.map((b) => b - now)) }
		})
	}

	/**
	 * Decides, before any Argon2 run, whether a login may be tried; throws TooManyRequests while the
	 * username or the address is blocked. The answer is the same for existing and unknown usernames.
	 */
	admit(username: string, address: string | null, now = nowSeconds()): Admission {
		const keys: ThrottleKey[] = [{ key: `user:${hashSecret(username)}`, free: USERNAME_FREE_FAILURES }]
		if (address !== null) keys.push({ key: `addr:${address}`, free: ADDRESS_FREE_FAILURES })
		const decision = this.#admit.immediate(keys, now)
		if ('retryAfter' in decision) throw new TooManyRequests(decision.retryAfter)
		return { keys, blockSeconds: decision.blockSeconds }
	}

	/** The login succeeded: the username starts afresh, and the address gets its count back. */
	succeeded({ keys }: Admission): void {
		const [user, address] = keys
		this.#reset.run({ key: user!.key })
		if (address) this.#uncount.run(address)
	}

	/** Nothing was tried (the Argon2 queue was full): the attempt does not count. */
	abandoned({ keys }: Admission): void {
		for (const key of keys) this.#uncount.run(key)
	}

	/** Deletes counters that are forgotten anyway. */
	prune(now = nowSeconds()): number {
		return this.#prune.run({ now }).changes
	}
}
