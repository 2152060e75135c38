/**
 * @module auth/limiter
 * A semaphore with a bounded queue: at most `concurrency` tasks run, at most `queueLimit` wait,
 * and the rest are refused at once, so a login flood cannot pile up memory behind Argon2.
 */
export class QueueFull extends Error {
	constructor() {
		super('queue full')
	}
}

export class Limiter {
	#running = 0
	readonly #waiting: Array<() => void> = []

	constructor(
		readonly concurrency: number,
		readonly queueLimit: number
	) {}

	get running() {
		return this.#running
	}

	get waiting() {
		return this.#waiting.length
	}

	async run<T>(task: () => Promise<T>): Promise<T> {
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
	}
}
