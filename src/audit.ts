/**
 * @module audit
 * The audit trail: one row in `audit_events` and one log line per security event.
 * Callers pass ids and addresses only; never a password, token, secret or a hash of one.
 */
import type { Clock } from './clock'
import type { Logger } from './http/logger'
import type { AuditEventRow, AuditPort } from './store/port'

export type AuditType =
	| 'login.success'
	| 'login.failure'
	| 'login.throttled'
	| 'refresh.reuse_detected'
	| 'session.ended'
	| 'token.revoked'
	| 'key.rotated'
	| 'key.resealed'
	| 'client.created'
	| 'client.deleted'
	| 'user.created'
	| 'user.disabled'
	| 'user.enabled'
	| 'user.scopes_changed'
	| 'user.password_changed'
	| 'user.password_change_failed'
	| 'user.deleted'

export interface AuditFields {
	userId?: number | null
	/** The session concerned, when there is one (it goes into `detail.session_id`). */
	sessionId?: string
	clientId?: string | null
	address?: string | null
	detail?: Record<string, unknown>
}

export class AuditTrail {
	constructor(
		private readonly store: AuditPort,
		private readonly log: Logger,
		private readonly clock: Clock
	) {}

	async record(type: AuditType, fields: AuditFields = {}): Promise<void> {
		const detail =
			fields.sessionId === undefined ? (fields.detail ?? null) : { session_id: fields.sessionId, ...fields.detail }
		const row = {
			at: this.clock(),
			type,
			userId: fields.userId ?? null,
			clientId: fields.clientId ?? null,
			address: fields.address ?? null,
			detail
		}
		this.log.info('audit', {
			event: type,
			user_id: row.userId,
			client_id: row.clientId,
			address: row.address,
			...detail
		})
		await this.store.insert(row)
	}

	/** Newest first, below `beforeId` (the last id of the previous page). */
	list(filter: { beforeId?: number; limit: number; userId?: number; type?: string }): Promise<AuditEventRow[]> {
		return this.store.list(filter)
	}
}
