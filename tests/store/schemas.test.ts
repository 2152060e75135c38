/**
 * The two Drizzle schemas describe one database (docs/contract.md, Layout: one migration folder
 * per dialect): the same tables, the same columns with the same nullability, the same indexes;
 * and each table's `$inferSelect` is exactly the port's row type, checked by tsc (`bunx tsc
 * --noEmit` fails on a difference; expectTypeOf does nothing at run time).
 */
import { describe, expect, expectTypeOf, test } from 'bun:test'
import { getTableName, is, Table } from 'drizzle-orm'
import { getTableConfig as pgTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as sqliteTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core'
import * as pgPosts from '../../src/server/modules/posts/schema/postgres'
import * as sqlitePosts from '../../src/server/modules/posts/schema/sqlite'
import type { Post } from '../../src/server/modules/posts/service'
import type {
	AuditEventRow,
	ClientRow,
	RefreshTokenRow,
	SessionRow,
	SigningKeyRow,
	UserRow
} from '../../src/store/port'
import * as pg from '../../src/store/postgres/schema'
import * as sqlite from '../../src/store/sqlite/schema'

const tables = {
	users: [sqlite.users, pg.users],
	clients: [sqlite.clients, pg.clients],
	sessions: [sqlite.sessions, pg.sessions],
	refreshTokens: [sqlite.refreshTokens, pg.refreshTokens],
	signingKeys: [sqlite.signingKeys, pg.signingKeys],
	loginThrottle: [sqlite.loginThrottle, pg.loginThrottle],
	auditEvents: [sqlite.auditEvents, pg.auditEvents],
	posts: [sqlitePosts.posts, pgPosts.posts]
} as const

type Shape = {
	name: string
	columns: { name: string; notNull: boolean; primary: boolean; hasDefault: boolean }[]
	indexes: { name: string | undefined; unique: boolean }[]
	foreignKeys: { columns: string[]; references: string; onDelete: string | undefined }[]
}

function shape(config: ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>): Shape {
	return {
		name: config.name,
		columns: config.columns
			.map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		indexes: config.indexes
			.map((i) => ({ name: i.config.name, unique: i.config.unique ?? false }))
			.sort((a, b) => String(a.name).localeCompare(String(b.name))),
		foreignKeys: config.foreignKeys.map((fk) => {
			const reference = fk.reference()
			return {
				columns: reference.columns.map((c) => c.name),
				references: `${getTableName(reference.foreignTable)}(${reference.foreignColumns.map((c) => c.name).join(',')})`,
				onDelete: fk.onDelete
			}
		})
	}
}

describe('schemas: SQLite and PostgreSQL agree', () => {
	test('docs/contract.md Layout: both schemas have the same tables', () => {
		const names = (schema: Record<string, unknown>) =>
			Object.values(schema)
				.filter((t) => is(t, Table))
				.map((t) => getTableName(t as Table))
				.sort()
		expect(names({ ...pg, ...pgPosts })).toEqual(names({ ...sqlite, ...sqlitePosts }))
		expect(names({ ...pg, ...pgPosts })).toHaveLength(Object.keys(tables).length)
	})

	test.each(Object.entries(tables))(
		'docs/contract.md Layout: %s has the same columns, nullability, keys, indexes and foreign keys',
		(_, [lite, postgres]) => {
			expect(shape(pgTableConfig(postgres as PgTable))).toEqual(
				shape(sqliteTableConfig(lite as SQLiteTable))
			)
		}
	)

	test('docs/contract.md Layout: each table reads as the port row type on both (checked by tsc)', () => {
		expectTypeOf<typeof sqlite.users.$inferSelect>().toEqualTypeOf<UserRow>()
		expectTypeOf<typeof pg.users.$inferSelect>().toEqualTypeOf<UserRow>()
		expectTypeOf<typeof sqlite.clients.$inferSelect>().toEqualTypeOf<ClientRow>()
		expectTypeOf<typeof pg.clients.$inferSelect>().toEqualTypeOf<ClientRow>()
		expectTypeOf<typeof sqlite.sessions.$inferSelect>().toEqualTypeOf<SessionRow>()
		expectTypeOf<typeof pg.sessions.$inferSelect>().toEqualTypeOf<SessionRow>()
		expectTypeOf<typeof sqlite.refreshTokens.$inferSelect>().toEqualTypeOf<RefreshTokenRow>()
		expectTypeOf<typeof pg.refreshTokens.$inferSelect>().toEqualTypeOf<RefreshTokenRow>()
		expectTypeOf<typeof sqlite.signingKeys.$inferSelect>().toEqualTypeOf<SigningKeyRow>()
		expectTypeOf<typeof pg.signingKeys.$inferSelect>().toEqualTypeOf<SigningKeyRow>()
		expectTypeOf<typeof sqlite.auditEvents.$inferSelect>().toEqualTypeOf<AuditEventRow>()
		expectTypeOf<typeof pg.auditEvents.$inferSelect>().toEqualTypeOf<AuditEventRow>()
		expectTypeOf<typeof pg.loginThrottle.$inferSelect>().toEqualTypeOf<
			typeof sqlite.loginThrottle.$inferSelect
		>()
		expectTypeOf<typeof sqlitePosts.posts.$inferSelect>().toEqualTypeOf<Post>()
		expectTypeOf<typeof pgPosts.posts.$inferSelect>().toEqualTypeOf<Post>()
		// And what is written: the insert types agree too.
		expectTypeOf<typeof pg.users.$inferInsert>().toEqualTypeOf<typeof sqlite.users.$inferInsert>()
		expectTypeOf<typeof pg.sessions.$inferInsert>().toEqualTypeOf<typeof sqlite.sessions.$inferInsert>()
		expectTypeOf<typeof pg.auditEvents.$inferInsert>().toEqualTypeOf<
			typeof sqlite.auditEvents.$inferInsert
		>()
	})
})
