/**
 * @module store/postgres/revocations
 * REVOCATION_MODE=cached on PostgreSQL: instances on several machines keep session state in memory
 * and are told of revocations. Triggers (drizzle/postgres/0001_revocation_notify.sql) send a
 * NOTIFY on `tessera_revocations` inside every transaction that ends a session or changes or
 * deletes an account or client, whoever runs it. Each instance listens, and its freshness counter
 * moves on every notification, so memory from before it is no longer trusted.
 *
 * Notifications can be lost (Bun.SQL's listener reconnects silently; a cut network delivers
 * nothing), so memory is trusted only while the channel proves itself: every HEARTBEAT_MS the
 * instance sends itself a heartbeat through the same channel, stamped with its send time. One
 * channel delivers in commit order, so a heartbeat received means every revocation committed
 * before it was sent has been received too. Memory is trusted only while the newest heartbeat
 * received was sent less than BOUND_MS ago: a revocation is seen within the bound, or the
 * instance reads the store (and answers 503 if the store is gone). After any gap longer than the
 * bound, and after every reconnect, the counter moves once more: what was missed cannot be known.
 */
import type { SQL } from 'bun'
import type { Freshness } from '../port'

export const REVOCATION_CHANNEL = 'tessera_revocations'
/** docs/contract.md: across machines, memory may lag a revocation by at most 1 s. */
export const BOUND_MS = 1000
const HEARTBEAT_MS = 250

export class RevocationListener implements Freshness {
	#counter = 0
	/** Send time (performance.now()) of the newest own heartbeat received; -Infinity: none yet. */
	#lastHeartbeat = Number.NEGATIVE_INFINITY
	readonly #id = crypto.randomUUID()
	#timer: ReturnType<typeof setInterval> | undefined
	#subscription: SQL.ListenSubscription | undefined

	private constructor(private readonly sql: SQL) {}

	static async start(sql: SQL): Promise<RevocationListener> {
		const listener = new RevocationListener(sql)
		listener.#subscription = await sql.listen(
			REVOCATION_CHANNEL,
			(payload) => listener.#received(payload),
			// Initially and after every reconnect: whatever was sent meanwhile is lost.
			() => listener.bump()
		)
		listener.#timer = setInterval(() => listener.#heartbeat(), HEARTBEAT_MS)
		listener.#heartbeat()
		return listener
	}

	/** NaN while the channel has not proved itself within the bound: equal to no tag, so nothing is trusted. */
	current(): number {
		return performance.now() - this.#lastHeartbeat < BOUND_MS ? this.#counter : Number.NaN
	}

	bump(): void {
		this.#counter++
	}

	async stop(): Promise<void> {
		clearInterval(this.#timer)
		await this.#subscription?.unlisten().catch(() => {})
	}

	#received(payload: string) {
		const heartbeat = /^heartbeat:([^:]+):([\d.]+)$/.exec(payload)
		if (heartbeat === null) return this.bump()
		if (heartbeat[1] !== this.#id) return
		const sentAt = Number(heartbeat[2])
		// A silence longer than the bound may have swallowed revocations: trust nothing from before.
		if (sentAt - this.#lastHeartbeat >= BOUND_MS) this.bump()
		this.#lastHeartbeat = Math.max(this.#lastHeartbeat, sentAt)
	}

	#heartbeat() {
		// Failing (the store is unreachable) is the point: no heartbeat comes back, memory is distrusted.
		this
			.sql`SELECT pg_notify(${REVOCATION_CHANNEL}, ${`heartbeat:${this.#id}:${performance.now()}`})`.catch(
			() => {}
		)
	}
}
