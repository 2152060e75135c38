/**
 * @module store/postgres/throttle
 * ThrottlePort on PostgreSQL (RFC 6749 §10.10, RFC 9700 §4.1; docs/contract.md: throttling counts
 * across instances). Admission is one transaction: it locks every counter of the attempt (in key
 * order, so two admissions cannot deadlock), refuses if any is blocked, and otherwise counts each
 * with one `INSERT … ON CONFLICT DO UPDATE … RETURNING`, which decides the count, its block and
 * its forgetting in one statement, as the SQLite store does. Attempts that race on one counter
 * queue on its row lock, so a burst gets no more tries than a sequence.
 */
import type { SQL, TransactionSQL } from 'bun'
import type { Admission, ThrottleKey, ThrottlePort } from '../port'
import { FIRST_BLOCK_SECONDS, MAX_BLOCK_SECONDS, THROTTLE_MEMORY_SECONDS } from '../throttle-policy'

/** Counts one attempt; returns until when the key is now blocked (0: not blocked). */
async function count(
	tx: TransactionSQL,
	{ key, freeFailures: free }: ThrottleKey,
	now: number
): Promise<number> {
	// The failures after this one: from 1 again once the last failure is forgotten. Every SET
	// expression reads the row as it was, as on SQLite.
	const next = tx`CASE WHEN t.last_failure_at <= ${now - THROTTLE_MEMORY_SECONDS} THEN 1 ELSE t.failures + 1 END`
	// Until when n failures block: FIRST_BLOCK_SECONDS · 2^(n − free), capped; 0 below the limit.
	const blockedUntil = (n: SQL.Query<unknown>) =>
		tx`CASE WHEN ${n} >= ${free}::int
			THEN ${now}::bigint + LEAST(${MAX_BLOCK_SECONDS}::bigint, ${FIRST_BLOCK_SECONDS}::bigint << LEAST(${n} - ${free}::int, 30))
			ELSE 0 END`
	const [row] = await tx`
		INSERT INTO tessera_login_throttle AS t (key, failures, last_failure_at, blocked_until)
		VALUES (${key}, 1, ${now}, ${blockedUntil(tx`1`)})
		ON CONFLICT (key) DO UPDATE SET
			failures = ${next}, last_failure_at = ${now}, blocked_until = ${blockedUntil(next)}
		RETURNING t.blocked_until`
	return Number(row!.blocked_until)
}

/** An admission refused inside the transaction: thrown so the transaction leaves no trace. */
class Blocked {
	constructor(readonly retryAfter: number) {}
}

export function throttlePort(sql: SQL): ThrottlePort {
	return {
		async admit(keys, now) {
			const ordered = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
			const names = [...new Set(ordered.map((k) => k.key))]
			if (names.length === 0) return { blockSeconds: 0 }
			try {
				return await sql.begin(async (tx): Promise<Admission> => {
					// Lock every counter, creating the missing ones (no failure yet, long forgotten), in
					// key order: a first burst on a new key queues on its row like any later one.
					const rows = await tx`
						INSERT INTO tessera_login_throttle AS t (key, failures, last_failure_at, blocked_until)
						SELECT key, 0, 0, 0 FROM unnest(${tx.array(names, 'TEXT')}::text[]) WITH ORDINALITY AS k(key, i)
						ORDER BY i
						ON CONFLICT (key) DO UPDATE SET failures = t.failures
						RETURNING t.blocked_until`
					const until = Math.max(
						...rows.map((r: { blocked_until: string }) => Number(r.blocked_until))
					)
					if (until > now) throw new Blocked(until - now)
					let blockSeconds = 0
					for (const key of ordered)
						blockSeconds = Math.max(blockSeconds, (await count(tx, key, now)) - now)
					return { blockSeconds }
				})
			} catch (error) {
				if (error instanceof Blocked) return { retryAfter: error.retryAfter }
				throw error
			}
		},
		async release({ key, freeFailures }) {
			await sql`
				UPDATE tessera_login_throttle
				SET failures = failures - 1,
					blocked_until = CASE WHEN failures - 1 >= ${freeFailures}::int THEN blocked_until ELSE 0 END
				WHERE key = ${key} AND failures > 0`
		},
		async reset(key) {
			await sql`DELETE FROM tessera_login_throttle WHERE key = ${key}`
		},
		async prune(now) {
			const [row] = await sql`
				WITH gone AS (
					DELETE FROM tessera_login_throttle
					WHERE blocked_until <= ${now} AND last_failure_at <= ${now - THROTTLE_MEMORY_SECONDS}
					RETURNING 1)
				SELECT count(*)::int AS n FROM gone`
			return row!.n as number
		}
	}
}
