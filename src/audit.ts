/**
 * @module audit
 * The audit trail: one row in `audit_events` and one log line per security event.
 * Callers pass ids and addresses only; never a password, token, secret or a hash of one.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm'
import type { Db } from './db/client'
import { nowSeconds } from './db/client'
import { auditEvents, type AuditEvent } from './db/schema'
import type { Logger } from './http/logger'

export type AuditType =
	| 'login.success'
	| 'login.failure'
	| 'login.throttled'
	| 'refresh.reuse_detected'
	| 'session.ended'
	| 'token.revoked'
	| 'key.rotated'
	| 'client.created'
	| 'client.deleted'
	| 'user.created'
	| 'user.disabled'
	| 'user.enabled'
	| 'user.scopes_changed'
	| 'user.password_changed'

export interface AuditFields {
	userId?: number | null
	clientId?: string | null
	address?: string | null
	detail?: Record<string, unknown>
}

export class AuditTrail {
	constructor(
		private readonly db: Db,
		private readonly log: Logger
	) {}

	record(type: AuditType, fields: AuditFields = {}): void {
		const row = {
			at: nowSeconds(),
			type,
			userId: fields.userId ?? null,
			clientId: fields.clientId ?? null,
			address: fields.address ?? null,
			detail: fields.detail ?? null
		}
		this.db.insert(auditEvents).values(row).run()
		this.log.info('audit', {
			event: type,
			user_id: row.userId,
			client_id: row.clientId,
			address: row.address,
			...fields.detail
		})
	}

	/** Newest first, below `beforeId` (the last id of the previous page); the indexes lead with user and type. */
	list(filter: { beforeId?: number; limit: number; userId?: number; type?: string }): AuditEvent[] {
		const conditions: SQL[] = []
		if (filter.beforeId !== undefined) conditions.push(lt(auditEvents.id, filter.beforeId))
		if (filter.userId !== undefined) conditions.push(eq(auditEvents.userId, filter.userId))
		if (filter.type !== undefined) conditions.push(eq(auditEvents.type, filter.type))
		return this.db
			.select()
			.from(auditEvents)
			.where(conditions.length ? and(...conditions) : undefined)
			.orderBy(desc(auditEvents.id))
			.limit(filter.limit)
			.all()
	}
}
