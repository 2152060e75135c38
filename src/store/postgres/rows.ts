/**
 * @module store/postgres/rows
 * Raw rows (snake_case, int8 as strings: Bun.SQL hands back int8 as text so no value is ever
 * rounded) to the port's row types. Queries name their columns (never `*`), so a cached prepared
 * statement survives another instance adding a column in a rolling upgrade.
 */
import type { AuditEventRow, ClientRow, RefreshTokenRow, SessionRow, SigningKeyRow, UserRow } from '../port'

/** An int8 (unix seconds or an id) as a number: they stay far below 2^53. */
const num = (value: unknown): number => Number(value)
const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value))

type Raw = Record<string, unknown>

export const toUser = (r: Raw): UserRow => ({
	id: r.id as number,
	username: r.username as string,
	passwordHash: r.password_hash as string,
	email: r.email as string | null,
	fullName: r.full_name as string | null,
	scopes: r.scopes as string,
	disabled: r.disabled as boolean,
	createdAt: num(r.created_at),
	updatedAt: num(r.updated_at)
})

export const toClient = (r: Raw): ClientRow => ({
	id: r.id as string,
	name: r.name as string,
	secretHash: r.secret_hash as string | null,
	grants: r.grants as string,
	scopes: r.scopes as string,
	createdAt: num(r.created_at)
})

export const toSession = (r: Raw): SessionRow => ({
	id: r.id as string,
	userId: r.user_id as number | null,
	clientId: r.client_id as string,
	scope: r.scope as string,
	createdAt: num(r.created_at),
	expiresAt: num(r.expires_at),
	endedAt: numOrNull(r.ended_at),
	endReason: r.end_reason as string | null
})

export const toRefreshToken = (r: Raw): RefreshTokenRow => ({
	tokenHash: r.token_hash as string,
	sessionId: r.session_id as string,
	createdAt: num(r.created_at),
	expiresAt: num(r.expires_at),
	rotatedAt: numOrNull(r.rotated_at)
})

export const toSigningKey = (r: Raw): SigningKeyRow => ({
	kid: r.kid as string,
	alg: r.alg as string,
	privateJwk: r.private_jwk as string,
	publicJwk: r.public_jwk as string,
	createdAt: num(r.created_at),
	retiredAt: numOrNull(r.retired_at),
	expiresAt: numOrNull(r.expires_at)
})

export const toAuditEvent = (r: Raw): AuditEventRow => ({
	id: num(r.id),
	at: num(r.at),
	type: r.type as string,
	userId: r.user_id as number | null,
	clientId: r.client_id as string | null,
	address: r.address as string | null,
	detail: r.detail as Record<string, unknown> | null
})
