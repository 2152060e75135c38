/**
 * @module store/postgres/connect
 * One Bun.SQL pool, with the timeouts that make an outage visible (docs/contract.md, Running
 * several instances: the store unreachable → 503, the process stays up, serves again once the
 * store is back). A connection that cannot be made fails within CONNECT_SECONDS; a query bounded
 * by the server (statement_timeout) or lost with its connection fails within QUERY_SECONDS (see
 * ./errors.ts); the server drops a client that vanished mid-transaction (keepalives and
 * idle_in_transaction_session_timeout) so its row locks are not held for the TCP timeout.
 */
import { SQL } from 'bun'

export const CONNECT_SECONDS = 3
export const QUERY_SECONDS = 5

export interface PoolOptions {
	/** Connections at most (Bun's default is 10); mind max_connections across instances. */
	max?: number
	/** Seconds before an idle connection is closed; 0 keeps them. */
	idleTimeout?: number
}

export function connectPostgres(url: string, options: PoolOptions = {}): SQL {
	const database = decodeURIComponent(new URL(url).pathname.slice(1))
	return new SQL({
		url,
		// Bun lets PGDATABASE override the URL's database; the URL is what the operator set.
		...(database ? { database } : {}),
		max: options.max ?? 10,
		idleTimeout: options.idleTimeout ?? 60,
		connectionTimeout: CONNECT_SECONDS,
		// Long-lived connections are recycled, so a failover or DNS change is picked up.
		maxLifetime: 30 * 60,
		connection: {
			application_name: 'tessera',
			statement_timeout: QUERY_SECONDS * 1000,
			idle_in_transaction_session_timeout: QUERY_SECONDS * 2 * 1000,
			tcp_keepalives_idle: 5,
			tcp_keepalives_interval: 2,
			tcp_keepalives_count: 3
		}
	})
}

/** A database URL for logs: without its password or query (which may carry one, or TLS key paths). */
export function redactDatabaseUrl(value: string): string {
	const url = new URL(value)
	url.password = ''
	url.search = ''
	return url.toString()
}
