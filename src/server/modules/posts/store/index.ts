/**
 * @module posts/store
 * The posts store for whichever store the server runs on, and the migrations of the server app's
 * own tables (drizzle/sqlite-posts, drizzle/postgres-posts), which a library user never gets.
 */
import type { Store } from '../../../../store/port'
import { PostgresStore } from '../../../../store/postgres'
import { guard } from '../../../../store/postgres/guard'
import { migratePostgres } from '../../../../store/postgres/migrate'
import { SqliteStore } from '../../../../store/sqlite'
import type { PostPort } from '../service'
import { POSTGRES_POSTS_MIGRATIONS, postgresPosts } from './postgres'
import { migratePosts, POSTS_MIGRATIONS_TABLE, sqlitePosts } from './sqlite'

export function postStore(store: Store): PostPort {
	if (store instanceof SqliteStore) return sqlitePosts(store.db)
	if (store instanceof PostgresStore) return postgresPosts(store.sql)
	throw new Error(`posts have no ${store.kind} store`)
}

/** Migrates the server app's tables, as the server does at start; returns how many migrations they have. */
export async function migrateServerTables(store: Store): Promise<number> {
	if (store instanceof SqliteStore) {
		migratePosts(store.db)
		return store.db.$client
			.query<{ applied: number }, []>(`SELECT count(*) AS applied FROM ${POSTS_MIGRATIONS_TABLE}`)
			.get()!.applied
	}
	if (store instanceof PostgresStore)
		return guard(() => migratePostgres(store.sql, POSTGRES_POSTS_MIGRATIONS), { timeoutMs: null })
	throw new Error(`posts have no ${store.kind} store`)
}
