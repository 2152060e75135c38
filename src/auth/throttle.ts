/**
 * @module auth/throttle
 * Login throttling (RFC 6749 §10.10, RFC 9700 §4.1 on credential guessing), per username and per
 * client address, counted in the store so every instance sharing it agrees. The numbers are in
 * store/throttle-policy.ts; a blocked key answers 429 with Retry-After and runs no Argon2 at all.
 *
 * An attempt is counted against both its username and its address when it is admitted, in the
 * statement that checks the block, before Argon2: concurrent guesses cannot all slip past a check
 * that none of them has failed yet, so a burst gets no more tries than a sequence. A success
 * resets the username and takes the address's count back (many users share an address; their
 * logins must not lock each other out); an attempt that never reached Argon2 (503) takes both
 * back. Usernames are keyed by a hash: a username field sometimes holds a mistyped password.
 */
import type { Clock } from '../clock'
import { TooManyRequests } from '../errors'
import type { ThrottleKey, ThrottlePort } from '../store/port'
import { ADDRESS_FREE_FAILURES, REGISTRATION_FREE_ATTEMPTS, USERNAME_FREE_FAILURES } from '../store/throttle-policy'
import { hashSecret } from '../tokens/opaque'

/** An admitted attempt; it counts as failed until it is known to be otherwise. */
export interface Admission {
	readonly username: ThrottleKey
	readonly address: ThrottleKey | null
	/** Seconds the keys stay blocked should this attempt fail (0: none). */
	readonly blockSeconds: number
}

/**
 * The throttle key of an address: IPv4 as it is, IPv6 by its /64 (one customer's subnet, which a
 * single host can walk through at will).
 */
export function addressKey(address: string): string {
	if (!address.includes(':')) return `addr:${address}`
	const v4Mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
	if (v4Mapped) return `addr:${v4Mapped[1]}`
	const [head = '', tail = ''] = address.toLowerCase().split('%', 1)[0]!.split('::')
	const left = head === '' ? [] : head.split(':')
	const right = tail === '' ? [] : tail.split(':')
	const groups = address.includes('::')
		? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
		: left
	return `addr:${groups
		.slice(0, 4)
		.map((group) => group.replace(/^0+(?=.)/, ''))
		.join(':')}::/64`
}

export class LoginThrottle {
	constructor(
		private readonly store: ThrottlePort,
		private readonly clock: Clock
	) {}

	/**
	 * Decides, before any Argon2 run, whether a login may be tried; throws TooManyRequests while the
	 * username or the address is blocked. The answer is the same for existing and unknown usernames.
	 */
	async admit(username: string, address: string | null, now = this.clock()): Promise<Admission> {
		const usernameKey = { key: `user:${hashSecret(username.toLowerCase())}`, freeFailures: USERNAME_FREE_FAILURES }
		const addressKeyed = address === null ? null : { key: addressKey(address), freeFailures: ADDRESS_FREE_FAILURES }
		const decision = await this.store.admit(addressKeyed ? [usernameKey, addressKeyed] : [usernameKey], now)
		if ('retryAfter' in decision) throw new TooManyRequests(decision.retryAfter)
		return { username: usernameKey, address: addressKeyed, blockSeconds: decision.blockSeconds }
	}

	/** The credentials were wrong; the attempt was counted at admission. Returns the block it caused. */
	failed({ blockSeconds }: Admission): number {
		return blockSeconds
	}

	/** The login succeeded: the username starts afresh and the address's count is taken back. */
	async succeeded({ username, address }: Admission): Promise<void> {
		await this.store.reset(username.key)
		if (address) await this.store.release(address)
	}

	/** Nothing was tried (the Argon2 queue was full): the attempt does not count. */
	async abandoned({ username, address }: Admission): Promise<void> {
		await this.store.release(username)
		if (address) await this.store.release(address)
	}

	/**
	 * Open registration, per address: every attempt counts (a 409 tells that a username exists, so
	 * answering many is enumeration), the first REGISTRATION_FREE_ATTEMPTS freely, then each waits.
	 */
	async admitRegistration(address: string | null, now = this.clock()): Promise<void> {
		if (address === null) return
		const key = { key: `register:${addressKey(address)}`, freeFailures: REGISTRATION_FREE_ATTEMPTS }
		const decision = await this.store.admit([key], now)
		if ('retryAfter' in decision) throw new TooManyRequests(decision.retryAfter)
	}

	/** Deletes counters that are forgotten anyway. */
	prune(now = this.clock()): Promise<number> {
		return this.store.prune(now)
	}
}
