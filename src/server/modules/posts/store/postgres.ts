/**
 * @module posts/store/postgres
 * Posts on PostgreSQL, on the store's own pool (one connection budget per instance). Every call
 * goes through the store's guard, so an outage answers 503 here too. The table is the server
 * app's: its migrations (drizzle/postgres-posts) run at the server's start (./index.ts), and here
 * before the first call of a store made otherwise (the demo seed, tests).
 */
import type { SQL } from 'bun'
import { guarded } from '../../../../store/postgres/guard'
import { migratePostgres, type MigrationSet } from '../../../../store/postgres/migrate'
import type { Post, PostPort } from '../service'

/** Constant column names, no values: safe to splice. */
const POST = 'id, owner_id, title, content, created_at, updated_at'

const toPost = (r: Record<string, unknown>): Post => ({
	id: r.id as number,
	ownerId: r.owner_id as number,
	title: r.title as string,
	content: r.content as string,
	createdAt: Number(r.created_at),
	updatedAt: Number(r.updated_at)
})

export const POSTGRES_POSTS_MIGRATIONS: MigrationSet = {
	folder: 'postgres-posts',
	table: '__tessera_posts_migrations'
}

export function postgresPosts(sql: SQL): PostPort {
	const columns = sql.unsafe(POST)
	// Once per store; tried again on the next call if the database did not answer.
	let migrated: Promise<unknown> | null = null
	const ready = () =>
		(migrated ??= migratePostgres(sql, POSTGRES_POSTS_MIGRATIONS).catch((error) => {
			migrated = null
			throw error
		}))
	const port: PostPort = {
		async find(id) {
			const [row] = await sql`SELECT ${columns} FROM posts WHERE id = ${id}`
			return row ? toPost(row) : null
		},
		async list(page) {
			// Newest first below the cursor; ids are int4, so "no cursor" is its maximum.
			const rows = await sql`
				SELECT ${columns} FROM posts
				WHERE id < ${page.beforeId ?? 2_147_483_647}
					${page.ownerId === undefined ? sql`` : sql`AND owner_id = ${page.ownerId}`}
				ORDER BY id DESC
				LIMIT ${page.limit}`
			return rows.map(toPost)
		},
		async create(ownerId, fields, now) {
			const [row] = await sql`
				INSERT INTO posts (owner_id, title, content, created_at, updated_at)
				VALUES (${ownerId}, ${fields.title}, ${fields.content}, ${now}, ${now})
				RETURNING ${columns}`
			return toPost(row!)
		},
		async update(id, changes, now) {
			// COALESCE keeps a field the (partial) PATCH does not change; both are NOT NULL.
			const [row] = await sql`
				UPDATE posts
				SET title = COALESCE(${changes.title ?? null}::text, title),
					content = COALESCE(${changes.content ?? null}::text, content),
					updated_at = ${now}
				WHERE id = ${id}
				RETURNING ${columns}`
			return row ? toPost(row) : null
		},
		async delete(id) {
			const rows = await sql`DELETE FROM posts WHERE id = ${id} RETURNING id`
			return rows.length > 0
		}
	}
	return guarded<PostPort>({
		find: async (id) => (await ready(), port.find(id)),
		list: async (page) => (await ready(), port.list(page)),
		create: async (ownerId, fields, now) => (await ready(), port.create(ownerId, fields, now)),
		update: async (id, changes, now) => (await ready(), port.update(id, changes, now)),
		delete: async (id) => (await ready(), port.delete(id))
	})
}
