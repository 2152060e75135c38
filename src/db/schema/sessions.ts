import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { clients } from './clients'
import { users } from './users'

/**
 * A session is one grant: a password login (a refresh-token family) or a client_credentials
 * issuance. Every access token names it in `sid`; ending the session ends the tokens at once.
 */
export const sessions = sqliteTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		/** Null for a client_credentials session (the client is the principal). */
		userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
		clientId: text('client_id')
			.notNull()
			.references(() => clients.id, { onDelete: 'cascade' }),
		/** The scope granted at login; refreshes may narrow access tokens, never this. */
		scope: text('scope').notNull(),
		createdAt: integer('created_at')
			.notNull()
			.default(sql`(unixepoch())`),
		/** Absolute end (SESSION_MAX_AGE), unix seconds. */
		expiresAt: integer('expires_at').notNull(),
		endedAt: integer('ended_at'),
		endReason: text('end_reason')
	},
	(t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)]
)

/** Refresh tokens, stored only as SHA-256 hashes; `rotatedAt` marks a used one. */
export const refreshTokens = sqliteTable(
	'refresh_tokens',
	{
		tokenHash: text('token_hash').primaryKey(),
		sessionId: text('session_id')
			.notNull()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		createdAt: integer('created_at').notNull(),
		expiresAt: integer('expires_at').notNull(),
		rotatedAt: integer('rotated_at')
	},
	(t) => [
		index('refresh_tokens_session_idx').on(t.sessionId),
		index('refresh_tokens_expires_idx').on(t.expiresAt)
	]
)

export type Session = typeof sessions.$inferSelect
export type RefreshToken = typeof refreshTokens.$inferSelect
