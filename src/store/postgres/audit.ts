/**
 * @module store/postgres/audit
 * AuditPort on PostgreSQL; the detail is jsonb, sent as an object (Bun.SQL encodes it once).
 */
import type { SQL } from 'bun'
import type { AuditPort } from '../port'
import { toAuditEvent } from './rows'

export function auditPort(sql: SQL): AuditPort {
	return {
		async insert(event) {
			await sql`
				INSERT INTO tessera_audit_events (at, type, user_id, client_id, address, detail)
				VALUES (${event.at}, ${event.type}, ${event.userId}, ${event.clientId}, ${event.address},
					${event.detail}::jsonb)`
		},
		async list(filter) {
			const rows = await sql`
				SELECT id, at, type, user_id, client_id, address, detail FROM tessera_audit_events
				WHERE TRUE
					${filter.beforeId === undefined ? sql`` : sql`AND id < ${filter.beforeId}`}
					${filter.userId === undefined ? sql`` : sql`AND user_id = ${filter.userId}`}
					${filter.type === undefined ? sql`` : sql`AND type = ${filter.type}`}
				ORDER BY id DESC
				LIMIT ${filter.limit}`
			return rows.map(toAuditEvent)
		}
	}
}
