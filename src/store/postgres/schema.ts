/**
 * @module store/postgres/schema
 * Tessera's tables on PostgreSQL: the same tables, columns and indexes as store/sqlite/schema.ts,
 * so both infer the same row types (tests/store/schemas.test.ts holds them to it). Times are unix
 * seconds in `bigint` (an `integer` overflows in 2038), read back as numbers; booleans are
 * `boolean`; the audit detail is `jsonb`, which both drivers hand back as an object.
 * drizzle-kit generates drizzle/postgres/ from this file (drizzle.postgres.config.ts); the server
 * app's posts have their own folder (drizzle/postgres-posts), so a library user's database never gets them.
 */
import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'

/** Unix seconds: int8, handed to JavaScript as a number (safe until the year 285 616). */
const seconds = (name: string) => bigint(name, { mode: 'number' })
const nowSeconds = sql`(extract(epoch from now())::bigint)`

export const users = pgTable(
	'tessera_users',
	{
		id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
		username: text('username').notNull().unique(),
		passwordHash: text('password_hash').notNull(),
		email: text('email'),
		fullName: text('full_name'),
		scopes: text('scopes').notNull().default(''),
		disabled: boolean('disabled').notNull().default(false),
		createdAt: seconds('created_at').notNull().default(nowSeconds),
		updatedAt: seconds('updated_at').notNull().default(nowSeconds)
	},
	(t) => [
		index('tessera_users_disabled_idx').on(t.disabled),
		// Usernames are unique regardless of letter case (they are ASCII, which lower() folds).
		uniqueIndex('tessera_users_username_lower_idx').on(sql`lower(${t.username})`)
	]
)

export const clients = pgTable('tessera_clients', {
	id: text('id').primaryKey(),
	name: text('name').notNull().default(''),
	secretHash: text('secret_hash'),
	grants: text('grants').notNull(),
	scopes: text('scopes').notNull(),
	createdAt: seconds('created_at').notNull().default(nowSeconds)
})

export const sessions = pgTable(
	'tessera_sessions',
	{
		id: text('id').primaryKey(),
		userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
		clientId: text('client_id')
			.notNull()
			.references(() => clients.id, { onDelete: 'cascade' }),
		scope: text('scope').notNull(),
		createdAt: seconds('created_at').notNull().default(nowSeconds),
		expiresAt: seconds('expires_at').notNull(),
		endedAt: seconds('ended_at'),
		endReason: text('end_reason')
	},
	(t) => [
		index('tessera_sessions_user_idx').on(t.userId),
		index('tessera_sessions_expires_idx').on(t.expiresAt),
		index('tessera_sessions_client_idx').on(t.clientId)
	]
)

export const refreshTokens = pgTable(
	'tessera_refresh_tokens',
	{
		tokenHash: text('token_hash').primaryKey(),
		sessionId: text('session_id')
			.notNull()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		createdAt: seconds('created_at').notNull(),
		expiresAt: seconds('expires_at').notNull(),
		rotatedAt: seconds('rotated_at')
	},
	(t) => [
		index('tessera_refresh_tokens_session_idx').on(t.sessionId),
		index('tessera_refresh_tokens_expires_idx').on(t.expiresAt)
	]
)

export const signingKeys = pgTable('tessera_signing_keys', {
	kid: text('kid').primaryKey(),
	alg: text('alg').notNull(),
	privateJwk: text('private_jwk').notNull(),
	publicJwk: text('public_jwk').notNull(),
	createdAt: seconds('created_at').notNull(),
	retiredAt: seconds('retired_at'),
	expiresAt: seconds('expires_at')
})

export const loginThrottle = pgTable('tessera_login_throttle', {
	key: text('key').primaryKey(),
	failures: integer('failures').notNull(),
	lastFailureAt: seconds('last_failure_at').notNull(),
	blockedUntil: seconds('blocked_until').notNull()
})

export const auditEvents = pgTable(
	'tessera_audit_events',
	{
		// int8: the trail only grows (SQLite's integer key is 64-bit too).
		id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
		at: seconds('at').notNull(),
		type: text('type').notNull(),
		userId: integer('user_id'),
		clientId: text('client_id'),
		address: text('address'),
		detail: jsonb('detail').$type<Record<string, unknown>>()
	},
	(t) => [
		index('tessera_audit_events_user_idx').on(t.userId, t.id),
		index('tessera_audit_events_type_idx').on(t.type, t.id)
	]
)
