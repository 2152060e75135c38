/**
 * @module store/postgres/clients
 * ClientPort on PostgreSQL. A client_id is its primary key, so of racing creations one row is
 * stored and the others get null (docs/contract.md: one `201`, the rest `409`).
 */
import type { SQL } from 'bun'
import type { ClientPort, ClientRow, EndedSession } from '../port'
import { toClient } from './rows'

/** Constant column names, no values: safe to splice. */
const CLIENT = 'id, name, secret_hash, grants, scopes, created_at'

export function clientPort(sql: SQL): ClientPort {
	const columns = sql.unsafe(CLIENT)
	// Pages in byte order ("C"), as on SQLite, whatever collation the database was created with.
	return {
		async find(id) {
			const [row] = await sql`SELECT ${columns} FROM tessera_clients WHERE id = ${id}`
			return row ? toClient(row) : null
		},
		async insert(client: ClientRow) {
			const [row] = await sql`
				INSERT INTO tessera_clients (id, name, secret_hash, grants, scopes, created_at)
				VALUES (${client.id}, ${client.name}, ${client.secretHash}, ${client.grants}, ${client.scopes}, ${client.createdAt})
				ON CONFLICT DO NOTHING
				RETURNING ${columns}`
			return row ? toClient(row) : null
		},
		async upsert(client: ClientRow) {
			await sql`
				INSERT INTO tessera_clients (id, name, secret_hash, grants, scopes, created_at)
				VALUES (${client.id}, ${client.name}, ${client.secretHash}, ${client.grants}, ${client.scopes}, ${client.createdAt})
				ON CONFLICT (id) DO UPDATE SET grants = excluded.grants, scopes = excluded.scopes`
		},
		async list(page) {
			const rows = await sql`
				SELECT ${columns} FROM tessera_clients
				${page.afterId === undefined ? sql`` : sql`WHERE id COLLATE "C" > ${page.afterId}`}
				ORDER BY id COLLATE "C"
				LIMIT ${page.limit}`
			return rows.map(toClient)
		},
		async delete(id) {
			return sql.begin(async (tx): Promise<EndedSession[] | null> => {
				// The row lock keeps a session from starting for this client meanwhile (its foreign
				// key check takes a share lock on the row), so the list below is every session that ends.
				const [locked] = await tx`SELECT id FROM tessera_clients WHERE id = ${id} FOR UPDATE`
				if (!locked) return null
				const ended = await tx`
					SELECT id, user_id, client_id FROM tessera_sessions
					WHERE client_id = ${id} AND ended_at IS NULL`
				// Its sessions go with it (ON DELETE CASCADE), and with them every token they hold.
				await tx`DELETE FROM tessera_clients WHERE id = ${id}`
				return ended.map((r: Record<string, unknown>) => ({
					id: r.id as string,
					userId: r.user_id as number | null,
					clientId: r.client_id as string
				}))
			})
		}
	}
}
