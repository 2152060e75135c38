import { sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const clients = sqliteTable('clients', {
	id: text('id').primaryKey(),
	name: text('name').notNull().default(''),
	/** SHA-256 of the server-generated secret; null for a public client. */
	secretHash: text('secret_hash'),
	/** Space-separated grant types the client may use. */
	grants: text('grants').notNull(),
	/** Space-separated scopes the client may obtain. */
	scopes: text('scopes').notNull(),
	createdAt: integer('created_at')
		.notNull()
		.default(sql`(unixepoch())`)
})

export type Client = typeof clients.$inferSelect
