/**
 * @module store/postgres
 * The store on a PostgreSQL database, through Bun.SQL tagged templates: every value is a bound
 * parameter, never spliced into the text. The driver was chosen by measurement
 * (bench/pg-drivers.ts, README: Running several instances) and stays behind the port: above it
 * nothing knows which driver or database runs. Each atomic operation is one short transaction on
 * one pooled connection; every method goes through guard() (retries, outage → 503, time bound).
 */
import type { SQL } from 'bun'
import type { Freshness, RotateRefreshToken, Store } from '../port'
import { auditPort } from './audit'
import { clientPort } from './clients'
import { connectPostgres, redactDatabaseUrl, type PoolOptions } from './connect'
import { guard, guarded } from './guard'
import { keyPort } from './keys'
import { migratePostgres } from './migrate'
import { RevocationListener } from './revocations'
import { sessionPort } from './sessions'
import { throttlePort } from './throttle'
import { userPort } from './users'

export interface PostgresStoreOptions extends PoolOptions {
	/** Apply pending migrations at open (the server does; a test cloning a migrated template need not). */
	migrate?: boolean
	/**
	 * `strict` (default): session state is read from the database on every request (bound 0).
	 * `cached`: kept in memory, told of revocations by NOTIFY; memory lags by at most 1 s.
	 */
	revocation?: 'strict' | 'cached'
}

export class PostgresStore implements Store {
	readonly kind = 'postgres'
	/**
	 * Strict mode: none, since instances on other machines write without a shared counter; the
	 * authenticator reads session state from the store on every request. Cached mode: the
	 * revocation listener (./revocations.ts).
	 */
	readonly freshness: RevocationListener | null
	readonly location: string
	readonly users
	readonly clients
	readonly sessions
	readonly throttle
	readonly keys
	readonly audit

	constructor(
		readonly sql: SQL,
		url: string,
		listener: RevocationListener | null = null
	) {
		this.location = redactDatabaseUrl(url)
		this.freshness = listener
		// The revoking instance stops trusting its own memory before it writes and again once the
		// write has committed, without waiting for its notification to come back.
		const evicting = listener ? evictingWith(listener) : <T>(port: T) => port
		this.users = guarded(evicting(userPort(sql), ['update', 'delete']))
		this.clients = guarded(evicting(clientPort(sql), ['upsert', 'delete']))
		const sessions = evicting(sessionPort(sql), ['end'])
		this.sessions = guarded(
			listener
				? {
						...sessions,
						// Most rotations revoke nothing; only a detected reuse ended a session.
						async rotateRefreshToken(input: RotateRefreshToken) {
							const rotation = await sessions.rotateRefreshToken(input)
							if (rotation.outcome === 'reused') listener.bump()
							return rotation
						}
					}
				: sessions
		)
		this.throttle = guarded(throttlePort(sql))
		this.keys = guarded(keyPort(sql))
		this.audit = guarded(auditPort(sql))
	}

	/** Connects and (unless told not to) migrates; rejects with StoreUnavailable when nothing answers. */
	static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
		const sql = connectPostgres(url, options)
		try {
			if (options.migrate ?? true) await guard(() => migratePostgres(sql), { timeoutMs: null })
			else await guard(() => sql`SELECT 1`)
		} catch (error) {
			await sql.close().catch(() => {})
			throw error
		}
		const listener = options.revocation === 'cached' ? await RevocationListener.start(sql) : null
		return new PostgresStore(sql, url, listener)
	}

	async ping(): Promise<void> {
		await guard(async () => {
			await this.sql`SELECT 1`
		})
	}

	async close(): Promise<void> {
		await this.freshness?.stop()
		// In-flight queries get a moment to finish; then the pool closes.
		await this.sql.close({ timeout: 5 })
	}
}

/** Wraps the named methods: the counter moves before each call and after it settles. */
function evictingWith(freshness: Freshness) {
	return <T extends object>(port: T, methods: readonly (keyof T & string)[]): T => {
		const out = { ...port } as Record<string, unknown>
		for (const name of methods) {
			const method = port[name] as (...args: unknown[]) => Promise<unknown>
			out[name] = async (...args: unknown[]) => {
				freshness.bump()
				try {
					return await method.apply(port, args)
				} finally {
					freshness.bump()
				}
			}
		}
		return out as T
	}
}
