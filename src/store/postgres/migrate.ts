/**
 * @module store/postgres/migrate
 * Applies a migration folder made by drizzle-kit: drizzle/postgres (Tessera's tables, from
 * ./schema.ts) or, for the server app, drizzle/postgres-posts. Each folder is recorded in its own
 * table in the `drizzle` schema, so a host app's own Drizzle migrations neither hide ours nor are
 * hidden by them.
 *
 * Drizzle's PostgreSQL migrator takes no lock, so instances starting together on a new database
 * would race (docs/contract.md, Running several instances: "migrate it once"). Each holds a
 * session advisory lock on one reserved connection around the migrator: the first migrates, the
 * others wait, then find nothing left to do. A connection that dies drops its lock with it.
 */
import type { SQL } from 'bun'
import { drizzle } from 'drizzle-orm/bun-sql'
import { migrate } from 'drizzle-orm/bun-sql/migrator'
import { migrationsFolder } from '../migrations'

export const MIGRATIONS_SCHEMA = 'drizzle'
export const MIGRATIONS_TABLE = '__tessera_migrations'

/** The advisory lock key that serializes Tessera's migrations ("tessera" in ASCII, as a number). */
export const MIGRATION_LOCK = 0x74_65_73_73_65_72_61n

export interface MigrationSet {
	/** A folder under drizzle/. */
	folder: string
	/** Where it is recorded, in the `drizzle` schema. */
	table: string
}

export const TESSERA_MIGRATIONS: MigrationSet = { folder: 'postgres', table: MIGRATIONS_TABLE }

/** Migrates under the lock; returns how many migrations of the set the database has applied. */
export async function migratePostgres(sql: SQL, set: MigrationSet = TESSERA_MIGRATIONS): Promise<number> {
	const connection = await sql.reserve()
	try {
		// Waiting for another instance's migration, and a migration itself (an index on a big
		// table), may take longer than the pool's statement_timeout: lifted on this connection only.
		await connection`SET statement_timeout = 0`
		await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK})`
		try {
			await migrate(drizzle({ client: connection }), {
				migrationsFolder: migrationsFolder(set.folder),
				migrationsSchema: MIGRATIONS_SCHEMA,
				migrationsTable: set.table
			})
			const [row] =
				await connection`SELECT count(*)::int AS applied FROM ${connection(MIGRATIONS_SCHEMA)}.${connection(set.table)}`
			return (row as { applied: number }).applied
		} finally {
			await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`
		}
	} finally {
		await connection`RESET statement_timeout`.catch(() => {})
		connection.release()
	}
}
