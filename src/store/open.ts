/**
 * @module store/open
 * Opens the store the settings name (docs/contract.md): PostgreSQL when DATABASE_URL is set, else
 * the SQLite file at DATABASE_PATH. Either is migrated on opening.
 */
import type { Config } from '../config'
import type { Store } from './port'
import { PostgresStore } from './postgres'
import { SqliteStore } from './sqlite'

export async function openStore(config: Pick<Config, 'databasePath' | 'databaseUrl'>): Promise<Store> {
	if (config.databaseUrl !== null) return PostgresStore.open(config.databaseUrl)
	return SqliteStore.open(config.databasePath)
}
