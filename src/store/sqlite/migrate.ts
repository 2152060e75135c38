/**
 * @module store/sqlite/migrate
 * Brings a SQLite database to Tessera's schema without touching anything else in it: the file
 * may be a host app's, with its own tables, indexes and Drizzle migrations. Tessera's tables and
 * indexes are all named `tessera_…`, and its migrations are recorded in their own table, so a
 * host's `__drizzle_migrations` neither hides Tessera's migrations nor is hidden by them.
 */
import type { Database } from 'bun:sqlite'
import type { BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { migrationsFolder } from '../migrations'

export const MIGRATIONS_TABLE = '__tessera_migrations'

/**
 * Databases made before that table: drizzle/sqlite-legacy recorded in __drizzle_migrations,
 * whose first migration (`when` 1795519197193) created unprefixed tables that a later one
 * renamed. No other migration folder has that `when`.
 */
const LEGACY_MIGRATIONS_TABLE = '__drizzle_migrations'
const LEGACY_WHENS = [1795519197193, 1796163975103]
const LEGACY_INDEXES = [
	'users_disabled_idx',
	'sessions_user_idx',
	'sessions_expires_idx',
	'refresh_tokens_session_idx',
	'refresh_tokens_expires_idx',
	'audit_events_user_idx',
	'audit_events_type_idx'
]

export function migrateTessera(db: BunSQLiteDatabase<Record<string, unknown>> & { $client: Database }): void {
	const legacy = isLegacy(db.$client)
	// A legacy database first finishes its own history, whatever step it had reached.
	if (legacy) migrate(db, { migrationsFolder: migrationsFolder('sqlite-legacy') })
	migrate(db, { migrationsFolder: migrationsFolder('sqlite'), migrationsTable: MIGRATIONS_TABLE })
	if (legacy) retireLegacy(db.$client)
}

function isLegacy(sqlite: Database): boolean {
	const table = sqlite
		.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
		.get(LEGACY_MIGRATIONS_TABLE)
	return (
		table !== null &&
		sqlite
			.query(`SELECT 1 FROM ${LEGACY_MIGRATIONS_TABLE} WHERE created_at = ?`)
			.get(LEGACY_WHENS[0]!) !== null
	)
}

/**
 * The migration above made the same indexes under `tessera_` names; the old names are dropped
 * only where they sit on Tessera's tables, and the old record only when it holds nothing else.
 */
function retireLegacy(sqlite: Database): void {
	sqlite
		.transaction(() => {
			const stale = sqlite
				.query<{ name: string }, []>(
					`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'tessera\\_%' ESCAPE '\\'
				 AND name IN (${LEGACY_INDEXES.map((name) => `'${name}'`).join(', ')})`
				)
				.all()
			for (const { name } of stale) sqlite.exec(`DROP INDEX IF EXISTS "${name}"`)
			const others = sqlite
				.query(
					`SELECT 1 FROM ${LEGACY_MIGRATIONS_TABLE} WHERE created_at NOT IN (${LEGACY_WHENS.join(', ')})`
				)
				.get()
			if (others === null) sqlite.exec(`DROP TABLE ${LEGACY_MIGRATIONS_TABLE}`)
		})
		.immediate()
}
