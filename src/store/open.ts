/**
 * @module store/open
 * Opens the store an instance is configured with: PostgreSQL for a URL, else the SQLite file.
 * Either is migrated on opening.
 */
import { ConfigError } from '../config-error'
import type { Store } from './port'
import { PostgresStore } from './postgres'
import { connectPostgres, redactDatabaseUrl } from './postgres/connect'
import { guard } from './postgres/guard'
import { migratePostgres } from './postgres/migrate'
import { openSqliteDb, SqliteStore } from './sqlite'
import { MIGRATIONS_TABLE as SQLITE_MIGRATIONS_TABLE } from './sqlite/migrate'

export type DatabaseLocation = { path: string } | { url: string; revocation?: 'strict' | 'cached' }

/** docs/contract.md DATABASE_URL: `postgres://…` or `postgresql://…`. The URL is never echoed (it may hold a password). */
function checkedUrl(url: string): string {
	let protocol: string | null = null
	try {
		protocol = new URL(url).protocol
	} catch {}
	if (protocol !== 'postgres:' && protocol !== 'postgresql:')
		throw new ConfigError('database.url', 'must be a postgres:// or postgresql:// URL')
	return url
}

export async function openStore(database: DatabaseLocation): Promise<Store> {
	if ('url' in database)
		return PostgresStore.open(checkedUrl(database.url), { revocation: database.revocation ?? 'strict' })
	return SqliteStore.open(database.path)
}

/**
 * `bun run cli -- db migrate` (docs/contract.md: migrations as a deployment step): applies the
 * pending migrations and nothing else (no keys, no default client). Returns where, for logs, and
 * how many migrations the database has applied.
 */
export async function migrateDatabase(
	database: DatabaseLocation
): Promise<{ location: string; migrations: number }> {
	if ('url' in database) {
		const sql = connectPostgres(checkedUrl(database.url), { max: 1 })
		try {
			return {
				location: redactDatabaseUrl(database.url),
				migrations: await guard(() => migratePostgres(sql), { timeoutMs: null })
			}
		} finally {
			await sql.close()
		}
	}
	const db = openSqliteDb(database.path)
	try {
		const { applied } = db.$client
			.query<{ applied: number }, []>(`SELECT count(*) AS applied FROM ${SQLITE_MIGRATIONS_TABLE}`)
			.get()!
		return { location: database.path, migrations: applied }
	} finally {
		db.$client.close()
	}
}
