/**
 * @module store/open
 * Opens the store the settings name (docs/contract.md): PostgreSQL when DATABASE_URL is set, else
 * the SQLite file at DATABASE_PATH. Either is migrated on opening.
 */
import { databaseLocation, type Config } from '../config'
import type { Store } from './port'
import { PostgresStore } from './postgres'
import { connectPostgres } from './postgres/connect'
import { guard } from './postgres/guard'
import { migratePostgres } from './postgres/migrate'
import { openSqliteDb, SqliteStore } from './sqlite'

type DatabaseSettings = Pick<Config, 'databasePath' | 'databaseUrl'>

export async function openStore(config: DatabaseSettings): Promise<Store> {
	if (config.databaseUrl !== null) return PostgresStore.open(config.databaseUrl)
	return SqliteStore.open(config.databasePath)
}

/**
 * `bun run cli -- db migrate` (docs/contract.md: migrations as a deployment step): applies the
 * pending migrations and nothing else (no keys, no default client). Returns how many the database
 * has applied.
 */
export async function migrateDatabase(
	config: DatabaseSettings
): Promise<{ location: string; migrations: number }> {
	const location = databaseLocation(config)
	if (config.databaseUrl !== null) {
		const sql = connectPostgres(config.databaseUrl, { max: 1 })
		try {
			return { location, migrations: await guard(() => migratePostgres(sql)) }
		} finally {
			await sql.close()
		}
	}
	const db = openSqliteDb(config.databasePath)
	try {
		const { applied } = db.$client
			.query<{ applied: number }, []>('SELECT count(*) AS applied FROM __drizzle_migrations')
			.get()!
		return { location, migrations: applied }
	} finally {
		db.$client.close()
	}
}
