/**
 * Rows of a test's Tessera, read and written directly, on either store (TEST_STORE): a query is
 * written once with drizzle's `sql` tag (values are bound parameters) in SQL that both SQLite and
 * PostgreSQL accept, and comes back with its columns as named in the query. int8 columns come back
 * as numbers on both; booleans are as each driver gives them (SQLite 0/1), so tests compare them
 * through the store's ports instead.
 */
import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { PostgresStore } from '../../src/store/postgres'
import { SqliteStore } from '../../src/store/sqlite'
import type { Tessera } from '../../src/tessera'

/** PostgreSQL's OID of int8. */
const INT8 = 20
const pgDialect = new PgDialect()

export interface Rows {
	all<T = Record<string, unknown>>(query: SQL): Promise<T[]>
	get<T = Record<string, unknown>>(query: SQL): Promise<T | undefined>
	run(query: SQL): Promise<void>
}

export function databaseOf(tessera: Tessera): Rows {
	const store = tessera.store
	let all: (query: SQL) => Promise<Record<string, unknown>[]>
	if (store instanceof SqliteStore) all = async (query) => store.db.all<Record<string, unknown>>(query)
	else if (store instanceof PostgresStore)
		all = async (query) => {
			const { sql: text, params } = pgDialect.sqlToQuery(query)
			const result = await store.sql.unsafe(text, params)
			const int8 = (result.columns ?? [])
				.filter((c: { type: number }) => c.type === INT8)
				.map((c: { name: string }) => c.name)
			return [...result].map((row: Record<string, unknown>) => {
				for (const name of int8) if (row[name] !== null) row[name] = Number(row[name])
				return row
			})
		}
	else throw new Error(`no direct access to a ${store.kind} store`)
	return {
		all: all as Rows['all'],
		get: async (query) => (await all(query))[0] as never,
		run: async (query) => void (await all(query))
	}
}

/** Unix seconds now, for rows written directly (SQLite's unixepoch() has no PostgreSQL twin). */
export const nowSeconds = () => Math.floor(Date.now() / 1000)
