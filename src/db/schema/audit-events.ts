import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Security-relevant events. Never a password, token, secret or a hash of one. */
export const auditEvents = sqliteTable(
	'audit_events',
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
		index('audit_events_user_idx').on(t.userId, t.id),
		index('audit_events_type_idx').on(t.type, t.id)
	]
)

export type AuditEvent = typeof auditEvents.$inferSelect
