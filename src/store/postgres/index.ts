/**
 * @module store/postgres
 * The store on a PostgreSQL database, through Bun.SQL tagged templates: every value is a bound
 * parameter, never spliced into the text. The driver was chosen by measurement
 * (bench/pg-drivers.ts, README: Running several instances) and stays behind the port: above it
 * nothing knows which driver or database runs. Each atomic operation is one short transaction on
 * one pooled connection; every method goes through guard() (retries, outage → 503, time bound).
 */
import type { SQL } from 'bun'
import type { Store } from '../port'
import { auditPort } from './audit'
import { clientPort } from './clients'
import { connectPostgres, redactDatabaseUrl, type PoolOptions } from './connect'
import { guard, guarded } from './guard'
import { keyPort } from './keys'
import { migratePostgres } from './migrate'
import { sessionPort } from './sessions'
import { throttlePort } from './throttle'
import { userPort } from './users'

export interface PostgresStoreOptions extends PoolOptions {
	/** Apply pending migrations at open (the server does; a test cloning a migrated template need not). */
	migrate?: boolean
}

export class PostgresStore implements Store {
	readonly kind = 'postgres'
	/**
	 * None: instances on other machines write without a shared counter, so the authenticator reads
	 * session state from the store on every request (docs/contract.md REVOCATION_MODE strict).
	 */
	readonly freshness = null
	readonly location: string
	readonly users
	readonly clients
	readonly sessions
	readonly throttle
	readonly keys
	readonly audit

	constructor(
		readonly sql: SQL,
		url: string
	) {
		this.location = redactDatabaseUrl(url)
		this.users = guarded(userPort(sql))
		this.clients = guarded(clientPort(sql))
		this.sessions = guarded(sessionPort(sql))
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
		return new PostgresStore(sql, url)
	}

	async ping(): Promise<void> {
		await guard(async () => {
			await this.sql`SELECT 1`
		})
	}

	async close(): Promise<void> {
		// In-flight queries get a moment to finish; then the pool closes.
		await this.sql.close({ timeout: 5 })
	}
}
