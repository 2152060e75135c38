/**
 * @module posts/store/sqlite
 * Posts on SQLite, with prepared statements for the listing queries. The table is the server
 * app's, not Tessera's: its migrations (drizzle/sqlite-posts) run here, so a library user's
 * database never gets it.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { migrationsFolder } from '../../../../store/migrations'
import type { SqliteDb } from '../../../../store/sqlite'
import { posts } from '../schema/sqlite'
import type { PostPort } from '../service'

export const POSTS_MIGRATIONS_TABLE = '__tessera_posts_migrations'

export function migratePosts(db: SqliteDb): void {
	migrate(db, {
		migrationsFolder: migrationsFolder('sqlite-posts'),
		migrationsTable: POSTS_MIGRATIONS_TABLE
	})
}

export function sqlitePosts(db: SqliteDb): PostPort {
	migratePosts(db)
	const before = sql.placeholder('before')
	const limit = sql.placeholder('limit')
	const byId = db
		.select()
		.from(posts)
		.where(eq(posts.id, sql.placeholder('id')))
		.prepare()
	const newest = db
		.select()
		.from(posts)
		.where(lt(posts.id, before))
		.orderBy(desc(posts.id))
		.limit(limit)
		.prepare()
	const newestOfOwner = db
		.select()
		.from(posts)
		.where(and(eq(posts.ownerId, sql.placeholder('owner')), lt(posts.id, before)))
		.orderBy(desc(posts.id))
		.limit(limit)
		.prepare()
	return {
		async find(id) {
			return byId.get({ id }) ?? null
		},
		async list(page) {
			const from = page.beforeId ?? Number.MAX_SAFE_INTEGER
			return page.ownerId === undefined
				? newest.all({ before: from, limit: page.limit })
				: newestOfOwner.all({ owner: page.ownerId, before: from, limit: page.limit })
		},
		async create(ownerId, fields, now) {
			return db
				.insert(posts)
				.values({ ownerId, ...fields, createdAt: now, updatedAt: now })
				.returning()
				.get()
		},
		async update(id, changes, now) {
			return (
				db
					.update(posts)
					.set({ ...changes, updatedAt: now })
					.where(eq(posts.id, id))
					.returning()
					.get() ?? null
			)
		},
		async delete(id) {
			return db.delete(posts).where(eq(posts.id, id)).returning({ id: posts.id }).all().length > 0
		}
	}
}
