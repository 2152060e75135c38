/**
 * @module store/open
 * Opens the store the settings name: PostgreSQL when a database URL is set, else the SQLite file.
 */
import type { Config } from '../config'
import type { Store } from './port'
import { SqliteStore } from './sqlite'

export async function openStore(config: Pick<Config, 'databasePath'>): Promise<Store> {
	return SqliteStore.open(config.databasePath)
}
