/**
 * @module db/client
 * Opens the SQLite file (or `:memory:`), sets the PRAGMAs Tessera relies on, and applies the
 * drizzle-kit migrations from `drizzle/` with the runtime migrator (drizzle-kit cannot drive bun:sqlite).
 */
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { prepareDatabaseFile, restrictDatabaseFiles } from './file-modes'
import * as schema from './schema'

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database }

const MIGRATIONS_FOLDER = join(import.meta.dir, '../../drizzle')

/** Opens a file (`:memory:` too) or adopts an open bun:sqlite Database (tests clone a seeded one). */
export function openDatabase(source: string | Database): Db {
	const file = typeof source === 'string' && source !== ':memory:' ? source : null
	if (file !== null) prepareDatabaseFile(file)
	const sqlite = typeof source === 'string' ? new Database(source, { create: true, strict: true }) : source
	// WAL lets the CLI and the server share the file; NORMAL is durable across process crashes in WAL mode.
	sqlite.exec('PRAGMA journal_mode = WAL')
	if (file !== null) restrictDatabaseFiles(file)
	sqlite.exec('PRAGMA synchronous = NORMAL')
	sqlite.exec('PRAGMA foreign_keys = ON')
	sqlite.exec('PRAGMA busy_timeout = 5000')
	const db = drizzle({ client: sqlite, schema })
	migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
	return db
}

/** Unix time in whole seconds: every timestamp column holds this. */
export const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A timestamp column as the API shows it (RFC 3339). */
export const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString()
