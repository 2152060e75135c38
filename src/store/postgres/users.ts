/**
 * @module store/postgres/users
 * UserPort on PostgreSQL. Uniqueness regardless of letter case is the unique index on
 * lower(username) (schema.ts), so racing registrations are decided by the database: one row, the
 * others `ON CONFLICT DO NOTHING` and get null (docs/contract.md: one `201`, the rest `409`).
 */
import type { SQL } from 'bun'
import type { NewUserRow, UserPort } from '../port'
import { toUser } from './rows'

const USER = 'id, username, password_hash, email, full_name, scopes, disabled, created_at, updated_at'

export function userPort(sql: SQL): UserPort {
	const columns = sql.unsafe(USER)
	return {
		async findById(id) {
			const [row] = await sql`SELECT ${columns} FROM tessera_users WHERE id = ${id}`
			return row ? toUser(row) : null
		},
		async findByUsername(username) {
			const [row] =
				await sql`SELECT ${columns} FROM tessera_users WHERE lower(username) = lower(${username})`
			return row ? toUser(row) : null
		},
		async insert(user: NewUserRow) {
			const [row] = await sql`
				INSERT INTO tessera_users (username, password_hash, email, full_name, scopes, disabled, created_at, updated_at)
				VALUES (${user.username}, ${user.passwordHash}, ${user.email}, ${user.fullName}, ${user.scopes},
					${user.disabled}, ${user.createdAt}, ${user.updatedAt})
				ON CONFLICT DO NOTHING
				RETURNING ${columns}`
			return row ? toUser(row) : null
		},
		async setPasswordHash(id, hash, now, replacing) {
			const rows =
				replacing === undefined
					? await sql`UPDATE tessera_users SET password_hash = ${hash}, updated_at = ${now} WHERE id = ${id} RETURNING id`
					: await sql`
						UPDATE tessera_users SET password_hash = ${hash}, updated_at = ${now}
						WHERE id = ${id} AND password_hash = ${replacing} RETURNING id`
			return rows.length > 0
		},
		async update(id, changes, now) {
			// COALESCE keeps a field that is not being changed; both are NOT NULL columns.
			const [row] = await sql`
				UPDATE tessera_users
				SET disabled = COALESCE(${changes.disabled ?? null}::boolean, disabled),
					scopes = COALESCE(${changes.scopes ?? null}::text, scopes),
					updated_at = ${now}
				WHERE id = ${id}
				RETURNING ${columns}`
			return row ? toUser(row) : null
		},
		async list(filter) {
			// A plain prefix, no LIKE: its wildcards would need escaping.
			const rows = await sql`
				SELECT ${columns} FROM tessera_users
				WHERE id > ${filter.afterId ?? 0}
					${filter.usernamePrefix === undefined ? sql`` : sql`AND starts_with(username, ${filter.usernamePrefix})`}
					${filter.disabled === undefined ? sql`` : sql`AND disabled = ${filter.disabled}`}
				ORDER BY id
				LIMIT ${filter.limit}`
			return rows.map(toUser)
		},
		async delete(id) {
			// Sessions (and the server app's posts) go with the user: ON DELETE CASCADE.
			const rows = await sql`DELETE FROM tessera_users WHERE id = ${id} RETURNING id`
			return rows.length > 0
		}
	}
}
