/**
 * @module store/open
 * Opens the store an instance is configured with: PostgreSQL for a URL, else the SQLite file.
 */
import type { Store } from './port'
import { SqliteStore } from './sqlite'

export async function openStore(database: { path: string } | { url: string }): Promise<Store> {
	if ('url' in database) throw new Error('PostgreSQL is not available in this build')
	return SqliteStore.open(database.path)
}
