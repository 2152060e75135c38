/**
 * @module auth/limiter
 * A semaphore with a bounded queue: at most `concurrency` tasks run, at most `queueLimit` wait,
 * and the rest are refused at once, so a login flood cannot pile up memory behind Argon2. Tasks
 * may name who they are for; one name holds at most `perKeyLimit` places (running or waiting), so
 * one caller cannot take the whole queue from everyone else.
 */
export class QueueFull extends Error {
	constructor() {
		super('queue full')
	}
}

export class Limiter {
	#running = 0
	readonly #waiting: Array<() => void> = []
	readonly #held = new Map<string, number>()

	constructor(
		readonly concurrency: number,
		readonly queueLimit: number,
		readonly perKeyLimit = Number.POSITIVE_INFINITY
	) {}

	get running() {
		return this.#running
	}

	get waiting() {
		return this.#waiting.length
	}

	async run<T>(task: () => Promise<T>, key?: string): Promise<T> {
		if (key !== undefined) {
			const held = this.#held.get(key) ?? 0
			if (held >= this.perKeyLimit) throw new QueueFull()
			this.#held.set(key, held + 1)
		}
		try {
			if (this.#running >= this.concurrency) {
				if (this.#waiting.length >= this.queueLimit) throw new QueueFull()
				await new Promise<void>((resolve) => this.#waiting.push(resolve))
			} else this.#running++
			try {
				return await task()
			} finally {
				// Hand the slot straight to the next waiter, so #running never dips and lets a newcomer jump the queue.
				const next = this.#waiting.shift()
				if (next) next()
				else this.#running--
			}
		} finally {
			if (key !== undefined) {
				const held = this.#held.get(key)! - 1
				if (held === 0) this.#held.delete(key)
				else this.#held.set(key, held)
			}
		}
	}
}
