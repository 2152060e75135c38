/**
 * @module store/postgres/guard
 * What every port method of the PostgreSQL store goes through:
 * - a transaction that lost a serialization check or a deadlock (SQLSTATE 40001, 40P01) is run
 *   again from the start, a few times: its effects were rolled back, and each method is one
 *   transaction, so a retry is the same operation;
 * - a connection that fails (refused, reset, closed, timed out) or a server that is shutting down
 *   becomes StoreUnavailable: the request answers 503 (docs/contract.md, Running several
 *   instances), and the pool reconnects by itself on a later call;
 * - a call that takes longer than QUERY_SECONDS (plus slack) is given up on: a cut network may
 *   never answer, and the request must not wait for TCP to notice.
 */
import { SQL } from 'bun'
import { StoreUnavailable } from '../../errors'
import { QUERY_SECONDS } from './connect'

const ATTEMPTS = 5
/** Beyond the server's statement_timeout, so a slow query is reported by the server first. */
const CALL_TIMEOUT_MS = QUERY_SECONDS * 1000 + 1000

/** SQLSTATEs after which the same transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01'])

/**
 * SQLSTATEs meaning the server is not there for us right now: class 08 (connection exception),
 * 53300 too_many_connections, 57P01–57P03 (shutdown, crash, cannot connect now), 57014
 * query_canceled (our statement_timeout), 25P03 idle_in_transaction_session_timeout.
 */
const UNAVAILABLE = /^(08...|53300|57P0[123]|57014|25P03)$/

function sqlstate(error: unknown): string | undefined {
	return error instanceof SQL.PostgresError ? error.errno : undefined
}

export function isRetryable(error: unknown): boolean {
	const state = sqlstate(error)
	return state !== undefined && RETRYABLE.has(state)
}

export function isUnavailable(error: unknown): boolean {
	if (error instanceof StoreUnavailable) return true
	const state = sqlstate(error)
	if (state !== undefined) return UNAVAILABLE.test(state)
	const code = (error as { code?: unknown } | null)?.code
	if (typeof code !== 'string') return false
	// Bun's own: ERR_POSTGRES_CONNECTION_CLOSED, …_CONNECTION_REFUSED, …_CONNECTION_TIMEOUT,
	// …_IDLE_TIMEOUT, …_LIFETIME_TIMEOUT; the socket's: ECONNREFUSED, ECONNRESET, ETIMEDOUT, …
	return /^ERR_POSTGRES_(CONNECTION|.*TIMEOUT)|^E(CONN|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE|AI_AGAIN|NOTFOUND)/.test(
		code
	)
}

/** An error from the database or its driver (as opposed to one of ours). */
export function isDriverError(error: unknown): boolean {
	return error instanceof SQL.SQLError || isUnavailable(error)
}

function summary(error: unknown): string {
	if (!(error instanceof Error)) return String(error)
	const code = (error as { code?: unknown }).code
	return typeof code === 'string' ? `${code}: ${error.message}` : error.message
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number | null): Promise<T> {
	if (timeoutMs === null) return work
	let timer: ReturnType<typeof setTimeout> | undefined
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new StoreUnavailable(`no answer within ${timeoutMs} ms`)), timeoutMs)
	})
	// Whatever the abandoned call does later, it must not become an unhandled rejection.
	work.catch(() => {})
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Runs one port operation with retries, the outage mapping and the time bound (none for work
 * that may rightly take long, like migrations: connection failures still map to 503).
 */
export async function guard<T>(
	operation: () => Promise<T>,
	{ timeoutMs = CALL_TIMEOUT_MS }: { timeoutMs?: number | null } = {}
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await withTimeout(operation(), timeoutMs)
		} catch (error) {
			if (isRetryable(error) && attempt < ATTEMPTS) {
				// A little random wait, so two deadlocked transactions do not meet again at once.
				await Bun.sleep(Math.random() * 5 * attempt)
				continue
			}
			if (error instanceof StoreUnavailable) throw error
			if (isUnavailable(error)) throw new StoreUnavailable(summary(error))
			throw error
		}
	}
}

type AsyncMethods<T> = {
	[K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : T[K]
}

/** The same port, every method guarded: none can leak a driver error or hang. */
export function guarded<T extends object>(port: T): AsyncMethods<T> {
	const out: Record<string, unknown> = {}
	for (const [name, method] of Object.entries(port))
		out[name] =
			typeof method === 'function'
				? (...args: unknown[]) => guard(() => method.apply(port, args))
				: method
	return out as AsyncMethods<T>
}
