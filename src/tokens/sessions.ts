/**
 * @module tokens/sessions
 * Sessions (one per grant) and their refresh tokens. Every write that decides who wins is one
 * synchronous SQLite transaction taken with `immediate`, so no `await` can split a read from its
 * write, across requests or across processes sharing the file.
 */
import { and, eq, gt, inArray, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Config } from '../config'
import { nowSeconds, type Db } from '../db/client'
import { refreshTokens, sessions, users, type Session, type User } from '../db/schema'
import { InvalidGrant } from '../errors'
import { generateId, generateSecret, hashSecret } from './opaque'

export type EndReason =
	'logout' | 'revoked' | 'refresh_reuse' | 'password_changed' | 'user_disabled' | 'admin'

export interface IssuedRefresh {
	session: Session
	refreshToken: string
}

/** What the rotation transaction decided; reuse must commit its revocation before the error is thrown. */
type Rotation =
	| { outcome: 'rotated'; issued: IssuedRefresh }
	| { outcome: 'reused'; session: Session }
	| { outcome: 'refused'; reason: string }

export class SessionStore {
	readonly #byId
	readonly #refreshOwner

	constructor(
		private readonly db: Db,
		private readonly config: Config
	) {
		this.#byId = db
			.select({ session: sessions, user: users })
			.from(sessions)
			.leftJoin(users, eq(users.id, sessions.userId))
			.where(eq(sessions.id, sql.placeholder('id')))
			.prepare()
		this.#refreshOwner = db
			.select({ token: refreshTokens, session: sessions })
			.from(refreshTokens)
			.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
			.where(eq(refreshTokens.tokenHash, sql.placeholder('hash')))
			.prepare()
	}

	/** The hot path of bearer auth: one primary-key lookup, the user joined in. */
	find(sessionId: string): { session: Session; user: User | null } | undefined {
		return this.#byId.get({ id: sessionId })
	}

	isLive(session: Session, now = nowSeconds()): boolean {
		return session.endedAt === null && session.expiresAt > now
	}

	/** A password login: a new refresh-token family with an absolute end (SESSION_MAX_AGE). */
	startUserSession(userId: number, clientId: string, scope: string, withRefreshToken: boolean) {
		const now = nowSeconds()
		return this.db.transaction(
			(tx) => {
				const session = tx
					.insert(sessions)
					.values({
						id: generateId(),
						userId,
						clientId,
						scope,
						createdAt: now,
						expiresAt: now + this.config.sessionMaxAgeSeconds
					})
					.returning()
					.get()
				const refreshToken = withRefreshToken ? this.#insertRefreshToken(tx, session, now) : null
				return { session, refreshToken }
			},
			{ behavior: 'immediate' }
		)
	}

	/** A client_credentials grant: no refresh token, so the session lives as long as its one access token. */
	startClientSession(clientId: string, scope: string): Session {
		const now = nowSeconds()
		return this.db
			.insert(sessions)
			.values({
				id: generateId(),
				userId: null,
				clientId,
				scope,
				createdAt: now,
				expiresAt: now + this.config.accessTokenTtlSeconds
			})
			.returning()
			.get()
	}

	/**
	 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2). One conditional UPDATE consumes the token; only
	 * one caller can see it succeed. `check` runs inside the transaction (scope narrowing, user
	 * state) and may throw, which rolls the consumption back.
	 */
	rotate(
		refreshToken: string,
		clientId: string,
		check: (session: Session, user: User | null) => void
	): IssuedRefresh {
		const hash = hashSecret(refreshToken)
		const result = this.db.transaction(
			(tx): Rotation => {
				const now = nowSeconds()
				const liveSessions = tx
					.select({ id: sessions.id })
					.from(sessions)
					.where(
						and(
							eq(sessions.clientId, clientId),
							isNull(sessions.endedAt),
							gt(sessions.expiresAt, now)
						)
					)
				const consumed = tx
					.update(refreshTokens)
					.set({ rotatedAt: now })
					.where(
						and(
							eq(refreshTokens.tokenHash, hash),
							isNull(refreshTokens.rotatedAt),
							gt(refreshTokens.expiresAt, now),
							inArray(refreshTokens.sessionId, liveSessions)
						)
					)
					.returning({ sessionId: refreshTokens.sessionId })
					.get()
				if (consumed) {
					const found = tx
						.select({ session: sessions, user: users })
						.from(sessions)
						.leftJoin(users, eq(users.id, sessions.userId))
						.where(eq(sessions.id, consumed.sessionId))
						.get()!
					check(found.session, found.user)
					return {
						outcome: 'rotated',
						issued: {
							session: found.session,
							refreshToken: this.#insertRefreshToken(tx, found.session, now)
						}
					}
				}
				const known = tx
					.select({ token: refreshTokens, session: sessions })
					.from(refreshTokens)
					.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
					.where(eq(refreshTokens.tokenHash, hash))
					.get()
				if (!known) return { outcome: 'refused', reason: 'unknown refresh token' }
				// RFC 6749 §10.4: bound to its client; another client learns nothing and ends nothing.
				if (known.session.clientId !== clientId)
					return { outcome: 'refused', reason: 'token of another client' }
				const { rotatedAt } = known.token
				if (rotatedAt === null || !this.isLive(known.session, now))
					return { outcome: 'refused', reason: 'expired token or ended session' }
				// A benign retry or race right after rotation: refuse it, but keep the user logged in.
				if (now - rotatedAt < this.config.refreshReuseGraceSeconds)
					return { outcome: 'refused', reason: 'rotated within the reuse grace' }
				// RFC 9700 §4.14.2: a rotated token presented again means it leaked; end the whole family.
				this.#end(tx, eq(sessions.id, known.session.id), 'refresh_reuse', now)
				return { outcome: 'reused', session: known.session }
			},
			{ behavior: 'immediate' }
		)
		if (result.outcome === 'rotated') return result.issued
		throw new InvalidGrant(
			undefined,
			result.outcome === 'reused' ? 'refresh token reused' : result.reason
		)
	}

	/** The session a refresh token belongs to, whatever its state (revocation, introspection). */
	findByRefreshToken(refreshToken: string) {
		return this.#refreshOwner.get({ hash: hashSecret(refreshToken) })
	}

	/** Ends one session; its access and refresh tokens stop working at once. */
	end(sessionId: string, reason: EndReason): boolean {
		return this.#end(this.db, eq(sessions.id, sessionId), reason, nowSeconds()) > 0
	}

	/** Ends every session of a user, optionally but one (the caller's own, on password change). */
	endAllForUser(userId: number, reason: EndReason, exceptSessionId?: string): number {
		const ofUser = eq(sessions.userId, userId)
		const where = exceptSessionId ? and(ofUser, ne(sessions.id, exceptSessionId))! : ofUser
		return this.#end(this.db, where, reason, nowSeconds())
	}

	/** Deletes sessions past their absolute end or ended, and refresh tokens past their life. */
	prune(now = nowSeconds()): { sessions: number; refreshTokens: number } {
		return this.db.transaction((tx) => {
			const tokens = tx
				.delete(refreshTokens)
				.where(lte(refreshTokens.expiresAt, now))
				.returning({ hash: refreshTokens.tokenHash })
				.all().length
			// Ended sessions are kept for an access-token lifetime so `sid` lookups still say "ended", then go.
			const ended = tx
				.delete(sessions)
				.where(
					or(
						lte(sessions.expiresAt, now),
						lte(sessions.endedAt, now - this.config.accessTokenTtlSeconds)
					)
				)
				.returning({ id: sessions.id })
				.all().length
			return { sessions: ended, refreshTokens: tokens }
		})
	}

	#end(db: Pick<Db, 'update'>, where: SQL, reason: EndReason, now: number): number {
		return db
			.update(sessions)
			.set({ endedAt: now, endReason: reason })
			.where(and(where, isNull(sessions.endedAt)))
			.returning({ id: sessions.id })
			.all().length
	}

	#insertRefreshToken(tx: Pick<Db, 'insert'>, session: Session, now: number): string {
		const token = generateSecret()
		tx.insert(refreshTokens)
			.values({
				tokenHash: hashSecret(token),
				sessionId: session.id,
				createdAt: now,
				// Sliding life, never past the session's absolute end.
				expiresAt: Math.min(now + this.config.refreshTokenTtlSeconds, session.expiresAt)
			})
			.run()
		return token
	}
}
