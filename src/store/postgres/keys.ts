/**
 * @module store/postgres/keys
 * KeyPort on PostgreSQL. Creating the first key and rotating take one transaction-scoped advisory
 * lock, so instances starting together on a new database store exactly one current key
 * (docs/contract.md, Running several instances) and a rotation never interleaves with them. The
 * lock, not a partial unique index, keeps the indexes the same as on SQLite.
 */
import type { SQL, TransactionSQL } from 'bun'
import type { KeyPort, SigningKeyRow } from '../port'
import { toSigningKey } from './rows'

/** Constant column names, no values: safe to splice. */
const KEY = 'kid, alg, private_jwk, public_jwk, created_at, retired_at, expires_at'

/** The advisory lock key of signing-key changes ("keys" in ASCII, as a number). */
export const KEYS_LOCK = 0x6b_65_79_73n

export function keyPort(sql: SQL): KeyPort {
	const columns = sql.unsafe(KEY)
	const currentOf = async (db: SQL, alg: string) => {
		const [row] = await db`
			SELECT ${columns} FROM tessera_signing_keys
			WHERE retired_at IS NULL AND alg = ${alg}
			ORDER BY created_at DESC LIMIT 1`
		return row ? toSigningKey(row) : null
	}
	const insert = (tx: TransactionSQL, key: SigningKeyRow) => tx`
		INSERT INTO tessera_signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at, expires_at)
		VALUES (${key.kid}, ${key.alg}, ${key.privateJwk}, ${key.publicJwk}, ${key.createdAt}, ${key.retiredAt}, ${key.expiresAt})`
	return {
		async list(now) {
			const rows = await sql`
				SELECT ${columns} FROM tessera_signing_keys
				WHERE expires_at IS NULL OR expires_at > ${now}
				ORDER BY created_at DESC`
			return rows.map(toSigningKey)
		},
		async current(alg) {
			return currentOf(sql, alg)
		},
		async createFirst(key) {
			return sql.begin(async (tx) => {
				await tx`SELECT pg_advisory_xact_lock(${KEYS_LOCK})`
				// Read after the lock: a key stored by whoever held it before is committed and seen.
				if (await currentOf(tx, key.alg)) return false
				await insert(tx, key)
				return true
			})
		},
		async rotate(key, retiredUntil) {
			await sql.begin(async (tx) => {
				await tx`SELECT pg_advisory_xact_lock(${KEYS_LOCK})`
				await tx`
					UPDATE tessera_signing_keys SET retired_at = ${key.createdAt}, expires_at = ${retiredUntil}
					WHERE retired_at IS NULL`
				await insert(tx, key)
			})
		},
		async reseal(sealed) {
			return sql.begin(async (tx) => {
				for (const [kid, privateJwk] of sealed)
					await tx`UPDATE tessera_signing_keys SET private_jwk = ${privateJwk} WHERE kid = ${kid}`
				return sealed.size
			})
		},
		async prune(now) {
			const rows = await sql`DELETE FROM tessera_signing_keys WHERE expires_at <= ${now} RETURNING kid`
			return rows.length
		}
	}
}
