/**
 * @module auth/password
 * Argon2id through Bun.password (async: it runs on Bun's worker threads), with explicit
 * parameters, bounded concurrency, a dummy verify for unknown users and PHC-string rehash checks.
 */
import { ServiceUnavailable } from '../errors'
import { Limiter, QueueFull } from './limiter'

export interface PasswordPolicy {
	memoryKib: number
	timeCost: number
	concurrency: number
	queueLimit: number
}

/** docs/contract.md: passwords are 8 to 1024 bytes; a longer one is never fed to Argon2. */
export const PASSWORD_MIN_BYTES = 8
export const PASSWORD_MAX_BYTES = 1024

export const passwordBytes = (password: string) => Buffer.byteLength(password, 'utf8')

/** What an unusable password is replaced by; the dummy hash is of a random value, so it never matches. */
const STAND_IN = 'unusable password'

/** Seconds a refused request is told to wait: about one Argon2 run per queued request. */
const BUSY_RETRY_AFTER_SECONDS = 1

/** The Argon2 queue is full: a 503 like any other, told apart so logins refused by it can be counted. */
export class PasswordHasherBusy extends ServiceUnavailable {}

export class PasswordHasher {
	readonly #limiter: Limiter
	readonly #options: { algorithm: 'argon2id'; memoryCost: number; timeCost: number }
	#dummyHash: Promise<string>

	constructor(readonly policy: PasswordPolicy) {
		// One caller (an address) holds at most a quarter of the places: it can slow the queue, not take it.
		this.#limiter = new Limiter(
			policy.concurrency,
			policy.queueLimit,
			Math.max(policy.concurrency, Math.ceil((policy.concurrency + policy.queueLimit) / 4))
		)
		this.#options = { algorithm: 'argon2id', memoryCost: policy.memoryKib, timeCost: policy.timeCost }
		// Same parameters as real hashes, so an unknown user costs exactly what a known one does.
		this.#dummyHash = Bun.password.hash(crypto.randomUUID(), this.#options)
	}

	hash(password: string): Promise<string> {
		return this.#bounded(() => Bun.password.hash(password, this.#options))
	}

	/**
	 * True only when `storedHash` is a hash of `password`. Every call costs one Argon2 run, so the
	 * time says nothing: a null hash (unknown user) verifies against a dummy hash, and a password
	 * no account can have (empty, which Bun answers at once, or over PASSWORD_MAX_BYTES) verifies a
	 * stand-in. A malformed stored hash counts as a mismatch, never an exception.
	 */
	async verify(password: string, storedHash: string | null, caller?: string): Promise<boolean> {
		const usable = password !== '' && passwordBytes(password) <= PASSWORD_MAX_BYTES
		const hash = usable && storedHash !== null ? storedHash : await this.#dummyHash
		const input = usable ? password : STAND_IN
		const matches = await this.#bounded(() => Bun.password.verify(input, hash).catch(() => false), caller)
		return matches && usable && storedHash !== null
	}

	/** Bun has no needs-rehash: read the PHC string `$argon2id$v=19$m=…,t=…,p=…$…`. */
	needsRehash(storedHash: string): boolean {
		const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$/.exec(storedHash)
		return (
			!match || Number(match[1]) !== this.policy.memoryKib || Number(match[2]) !== this.policy.timeCost
		)
	}

	get load() {
		return { running: this.#limiter.running, waiting: this.#limiter.waiting }
	}

	async #bounded<T>(task: () => Promise<T>, caller?: string): Promise<T> {
		try {
			return await this.#limiter.run(task, caller)
		} catch (error) {
			if (error instanceof QueueFull) throw new PasswordHasherBusy(BUSY_RETRY_AFTER_SECONDS)
			throw error
		}
	}
}
