/**
 * @module store/postgres/migrate
 * Applies drizzle/postgres/ (made by drizzle-kit from ./schema.ts). Drizzle's PostgreSQL migrator
 * takes no lock, so instances starting together on a new database would race (docs/contract.md,
 * Running several instances: "migrate it once"). Each holds a session advisory lock on one
 * reserved connection around the migrator: the first migrates, the others wait, then find
 * nothing left to do. A connection that dies drops its lock with it.
 */
import { join } from 'node:path'
import type { SQL } from 'bun'
import { drizzle } from 'drizzle-orm/bun-sql'
import { migrate } from 'drizzle-orm/bun-sql/migrator'

export const POSTGRES_MIGRATIONS = join(import.meta.dir, '../../../drizzle/postgres')

/** The advisory lock key that serializes Tessera's migrations ("tessera" in ASCII, as a number). */
export const MIGRATION_LOCK = 0x74_65_73_73_65_72_61n

/** Migrates under the lock; returns how many migrations the database has applied. */
export async function migratePostgres(sql: SQL): Promise<number> {
	const connection = await sql.reserve()
	try {
		// Waiting for another instance's migration, and a migration itself (an index on a big
		// table), may take longer than the pool's statement_timeout: lifted on this connection only.
		await connection`SET statement_timeout = 0`
		await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK})`
		try {
			await migrate(drizzle({ client: connection }), { migrationsFolder: POSTGRES_MIGRATIONS })
			const [row] = await connection`SELECT count(*)::int AS applied FROM drizzle.__drizzle_migrations`
			return (row as { applied: number }).applied
		} finally {
			await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`
		}
	} finally {
		await connection`RESET statement_timeout`.catch(() => {})
		connection.release()
	}
}
