/**
 * @module store/postgres/sessions
 * SessionPort on PostgreSQL: one short READ COMMITTED transaction per method.
 *
 * Refresh rotation (RFC 6749 §6, RFC 9700 §4.14.2; docs/contract.md: of concurrent refreshes
 * with one token, across instances, exactly one succeeds): one conditional
 * `UPDATE … WHERE rotated_at IS NULL … RETURNING` consumes the token. Concurrent callers queue on
 * the row lock; when the first commits, PostgreSQL re-checks the others' WHERE against the new
 * row, which no longer matches, so exactly one row comes back to exactly one caller. That winner,
 * in the same transaction, inserts the successor and forgets older spent tokens. A loser re-reads
 * the committed row (a new statement sees it) and decides: refused within the grace, or reuse,
 * which ends the session in the same transaction. If the winner's check throws, its transaction
 * rolls back and a waiting caller's UPDATE matches instead.
 */
import type { SQL, TransactionSQL } from 'bun'
import type {
	EndedSession,
	RefreshTokenRow,
	Rotation,
	RotateRefreshToken,
	SessionPort,
	SessionRow,
	SessionSelector,
	SessionWithUser
} from '../port'
import { toRefreshToken, toSession, toUser } from './rows'

type Raw = Record<string, unknown>

/** The session with its user in one statement, so both come from one snapshot. */
async function readWithUser(sql: SQL, sessionId: string): Promise<SessionWithUser | null> {
	const [row] = await sql`
		SELECT s.id, s.user_id, s.client_id, s.scope, s.created_at, s.expires_at, s.ended_at, s.end_reason,
			u.id AS u_id, u.username AS u_username, u.password_hash AS u_password_hash, u.email AS u_email,
			u.full_name AS u_full_name, u.scopes AS u_scopes, u.disabled AS u_disabled,
			u.created_at AS u_created_at, u.updated_at AS u_updated_at
		FROM tessera_sessions s LEFT JOIN tessera_users u ON u.id = s.user_id
		WHERE s.id = ${sessionId}`
	if (!row) return null
	return {
		session: toSession(row),
		user:
			row.u_id === null
				? null
				: toUser({
						id: row.u_id,
						username: row.u_username,
						password_hash: row.u_password_hash,
						email: row.u_email,
						full_name: row.u_full_name,
						scopes: row.u_scopes,
						disabled: row.u_disabled,
						created_at: row.u_created_at,
						updated_at: row.u_updated_at
					})
	}
}

/** The token and its session; null when the token is unknown. */
async function readOwner(
	sql: SQL,
	tokenHash: string
): Promise<{ token: RefreshTokenRow; session: SessionRow } | null> {
	const [row] = await sql`
		SELECT t.token_hash, t.session_id, t.created_at AS t_created_at, t.expires_at AS t_expires_at, t.rotated_at,
			s.id, s.user_id, s.client_id, s.scope, s.created_at, s.expires_at, s.ended_at, s.end_reason
		FROM tessera_refresh_tokens t JOIN tessera_sessions s ON s.id = t.session_id
		WHERE t.token_hash = ${tokenHash}`
	if (!row) return null
	return {
		token: toRefreshToken({ ...row, created_at: row.t_created_at, expires_at: row.t_expires_at }),
		session: toSession(row)
	}
}

const toEnded = (r: Raw): EndedSession => ({
	id: r.id as string,
	userId: r.user_id as number | null,
	clientId: r.client_id as string
})

function selectorWhere(sql: SQL, selector: SessionSelector) {
	if ('sessionId' in selector) return sql`id = ${selector.sessionId}`
	if ('clientId' in selector) return sql`client_id = ${selector.clientId}`
	return selector.exceptSessionId === undefined
		? sql`user_id = ${selector.userId}`
		: sql`user_id = ${selector.userId} AND id <> ${selector.exceptSessionId}`
}

async function rotate(tx: TransactionSQL, input: RotateRefreshToken): Promise<Rotation> {
	const { tokenHash: hash, clientId, now } = input
	// The token, if unused, unexpired and of a live session of this client.
	const [consumed] = await tx`
		UPDATE tessera_refresh_tokens t SET rotated_at = ${now}
		WHERE t.token_hash = ${hash} AND t.rotated_at IS NULL AND t.expires_at > ${now}
			AND EXISTS (
				SELECT 1 FROM tessera_sessions s
				WHERE s.id = t.session_id AND s.client_id = ${clientId} AND s.ended_at IS NULL AND s.expires_at > ${now})
		RETURNING t.session_id`
	if (consumed) {
		const found = (await readWithUser(tx, consumed.session_id as string))!
		// Throwing here rolls the consumption back (sql.begin rolls back on a rejection).
		input.check(found)
		await tx`
			INSERT INTO tessera_refresh_tokens (token_hash, session_id, created_at, expires_at)
			VALUES (${input.successorHash}, ${found.session.id}, ${now},
				${Math.min(now + input.refreshTtlSeconds, found.session.expiresAt)})`
		// Spent tokens are kept only as long as reuse detection needs them: the latest one per session.
		await tx`
			DELETE FROM tessera_refresh_tokens
			WHERE session_id = ${found.session.id} AND rotated_at IS NOT NULL AND token_hash <> ${hash}`
		return { outcome: 'rotated', session: found.session, user: found.user }
	}
	const known = await readOwner(tx, hash)
	if (!known) return { outcome: 'refused', reason: 'unknown refresh token' }
	// RFC 6749 §10.4: bound to its client; another client learns nothing and ends nothing.
	if (known.session.clientId !== clientId) return { outcome: 'refused', reason: 'token of another client' }
	const { rotatedAt } = known.token
	if (rotatedAt === null || known.session.endedAt !== null || known.session.expiresAt <= now)
		return { outcome: 'refused', reason: 'expired token or ended session' }
	if (now - rotatedAt < input.graceSeconds)
		return { outcome: 'refused', reason: 'rotated within the reuse grace' }
	// RFC 9700 §4.14.2: a rotated token presented again means it leaked; end the whole family.
	// Conditional too: of losers racing here, the one that ends the session reports the reuse.
	const [ended] = await tx`
		UPDATE tessera_sessions SET ended_at = ${now}, end_reason = 'refresh_reuse'
		WHERE id = ${known.session.id} AND ended_at IS NULL
		RETURNING id`
	if (!ended) return { outcome: 'refused', reason: 'expired token or ended session' }
	return { outcome: 'reused', session: known.session }
}

export function sessionPort(sql: SQL): SessionPort {
	return {
		async findWithUser(sessionId) {
			return readWithUser(sql, sessionId)
		},
		async start(session, refresh) {
			await sql.begin(async (tx) => {
				await tx`
					INSERT INTO tessera_sessions (id, user_id, client_id, scope, created_at, expires_at, ended_at, end_reason)
					VALUES (${session.id}, ${session.userId}, ${session.clientId}, ${session.scope}, ${session.createdAt},
						${session.expiresAt}, ${session.endedAt}, ${session.endReason})`
				if (refresh)
					await tx`
						INSERT INTO tessera_refresh_tokens (token_hash, session_id, created_at, expires_at)
						VALUES (${refresh.tokenHash}, ${session.id}, ${session.createdAt}, ${refresh.expiresAt})`
			})
		},
		async rotateRefreshToken(input) {
			return sql.begin((tx) => rotate(tx, input))
		},
		async findByRefreshToken(tokenHash) {
			return readOwner(sql, tokenHash)
		},
		async end(selector, reason, now) {
			const rows = await sql`
				UPDATE tessera_sessions SET ended_at = ${now}, end_reason = ${reason}
				WHERE ${selectorWhere(sql, selector)} AND ended_at IS NULL
				RETURNING id, user_id, client_id`
			return rows.map(toEnded)
		},
		async prune(now, keepEndedSeconds) {
			return sql.begin(async (tx) => {
				const [tokens] = await tx`
					WITH gone AS (DELETE FROM tessera_refresh_tokens WHERE expires_at <= ${now} RETURNING 1)
					SELECT count(*)::int AS n FROM gone`
				const [ended] = await tx`
					WITH gone AS (
						DELETE FROM tessera_sessions
						WHERE expires_at <= ${now} OR ended_at <= ${now - keepEndedSeconds}
						RETURNING 1)
					SELECT count(*)::int AS n FROM gone`
				return { sessions: ended!.n as number, refreshTokens: tokens!.n as number }
			})
		}
	}
}
