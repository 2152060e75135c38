/**
 * @module store/sqlite/schema
 * Tessera's tables on SQLite. Prefixed `tessera_` so they live beside a host app's own tables.
 * Times are unix seconds in `integer` columns. drizzle-kit generates drizzle/sqlite/ from this file.
 */
import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const users = sqliteTable(
	'tessera_users',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		username: text('username').notNull().unique(),
		passwordHash: text('password_hash').notNull(),
		email: text('email'),
		fullName: text('full_name'),
		scopes: text('scopes').notNull().default(''),
		disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
		createdAt: integer('created_at')
			.notNull()
			.default(sql`(unixepoch())`),
		updatedAt: integer('updated_at')
			.notNull()
			.default(sql`(unixepoch())`)
	},
	(t) => [
		index('tessera_users_disabled_idx').on(t.disabled),
		// Usernames are unique regardless of letter case (they are ASCII, which lower() folds).
		uniqueIndex('tessera_users_username_lower_idx').on(sql`lower(${t.username})`)
	]
)

export const clients = sqliteTable('tessera_clients', {
	id: text('id').primaryKey(),
	name: text('name').notNull().default(''),
	secretHash: text('secret_hash'),
	grants: text('grants').notNull(),
	scopes: text('scopes').notNull(),
	createdAt: integer('created_at')
		.notNull()
		.default(sql`(unixepoch())`)
})

export const sessions = sqliteTable(
	'tessera_sessions',
	{
		id: text('id').primaryKey(),
		userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
		clientId: text('client_id')
			.notNull()
			.references(() => clients.id, { onDelete: 'cascade' }),
		scope: text('scope').notNull(),
		createdAt: integer('created_at')
			.notNull()
			.default(sql`(unixepoch())`),
		expiresAt: integer('expires_at').notNull(),
		endedAt: integer('ended_at'),
		endReason: text('end_reason')
	},
	(t) => [
		index('tessera_sessions_user_idx').on(t.userId),
		index('tessera_sessions_expires_idx').on(t.expiresAt),
		index('tessera_sessions_client_idx').on(t.clientId)
	]
)

export const refreshTokens = sqliteTable(
	'tessera_refresh_tokens',
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
		index('tessera_refresh_tokens_session_idx').on(t.sessionId),
		index('tessera_refresh_tokens_expires_idx').on(t.expiresAt)
	]
)

export const signingKeys = sqliteTable('tessera_signing_keys', {
	kid: text('kid').primaryKey(),
	alg: text('alg').notNull(),
	privateJwk: text('private_jwk').notNull(),
	publicJwk: text('public_jwk').notNull(),
	createdAt: integer('created_at').notNull(),
	retiredAt: integer('retired_at'),
	expiresAt: integer('expires_at')
})

export const loginThrottle = sqliteTable('tessera_login_throttle', {
	key: text('key').primaryKey(),
	failures: integer('failures').notNull(),
	lastFailureAt: integer('last_failure_at').notNull(),
	blockedUntil: integer('blocked_until').notNull()
})

export const auditEvents = sqliteTable(
	'tessera_audit_events',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		at: integer('at').notNull(),
		type: text('type').notNull(),
		userId: integer('user_id'),
		clientId: text('client_id'),
		address: text('address'),
		detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>()
	},
	(t) => [
		index('tessera_audit_events_user_idx').on(t.userId, t.id),
		index('tessera_audit_events_type_idx').on(t.type, t.id)
	]
)
