import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { users } from '../../../../store/sqlite/schema'

/** The server app's demo resource (not a Tessera core table). */
export const posts = sqliteTable(
	'posts',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		ownerId: integer('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		title: text('title').notNull(),
		content: text('content').notNull(),
		createdAt: integer('created_at')
			.notNull()
			.default(sql`(unixepoch())`),
		updatedAt: integer('updated_at')
			.notNull()
			.default(sql`(unixepoch())`)
	},
	(t) => [index('posts_owner_idx').on(t.ownerId, t.id)]
)

export type Post = typeof posts.$inferSelect
