import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Failed-login counters, keyed `user:<name>` or `addr:<ip>`, kept in the database so instances agree. */
export const loginThrottle = sqliteTable('login_throttle', {
	key: text('key').primaryKey(),
	failures: integer('failures').notNull(),
	lastFailureAt: integer('last_failure_at').notNull(),
	blockedUntil: integer('blocked_until').notNull()
})
