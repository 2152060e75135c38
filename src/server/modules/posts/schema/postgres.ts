import { sql } from 'drizzle-orm'
import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core'
import { users } from '../../../../store/postgres/schema'

/** The server app's demo resource (not a Tessera core table); the twin of ./sqlite.ts. */
export const posts = pgTable(
	'posts',
	{
		id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
		ownerId: integer('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		title: text('title').notNull(),
		content: text('content').notNull(),
		createdAt: bigint('created_at', { mode: 'number' })
			.notNull()
			.default(sql`(extract(epoch from now())::bigint)`),
		updatedAt: bigint('updated_at', { mode: 'number' })
			.notNull()
			.default(sql`(extract(epoch from now())::bigint)`)
	},
	(t) => [index('posts_owner_idx').on(t.ownerId, t.id)]
)

export type Post = typeof posts.$inferSelect
