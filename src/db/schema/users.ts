import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const users = sqliteTable(
	'users',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		username: text('username').notNull().unique(),
		passwordHash: text('password_hash').notNull(),
		email: text('email'),
		fullName: text('full_name'),
		/** Space-separated scopes the user may be granted (RFC 6749 §3.3 syntax). */
		scopes: text('scopes').notNull().default(''),
		disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
		createdAt: integer('created_at')
			.notNull()
			.default(sql`(unixepoch())`),
		updatedAt: integer('updated_at')
			.notNull()
			.default(sql`(unixepoch())`)
	},
	(t) => [index('users_disabled_idx').on(t.disabled)]
)

export type User = typeof users.$inferSelect
