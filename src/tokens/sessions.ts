/**
 * @module tokens/sessions
 * Sessions (one per grant) and their refresh tokens, over the store port. Every decision that must
 * be atomic (who wins a rotation, which sessions end) is one store method; this module holds the
 * rules around them: lifetimes, token generation and hashing, and what an ended session reports.
 */
import type { Settings } from '../options'
import { InvalidGrant } from '../errors'
import type { Clock } from '../clock'
import type { EndedSession, EndReason, SessionPort, SessionRow, SessionWithUser } from '../store/port'
import { generateId, generateSecret, hashSecret } from './opaque'

export type { EndReason } from '../store/port'

export interface IssuedRefresh {
	session: SessionRow
	refreshToken: string
}

export class SessionStore {
	constructor(
		private readonly store: SessionPort,
		private readonly settings: Settings,
		private readonly clock: Clock
	) {}

	/** The hot path of bearer auth, on every request: the session and its user, as they are now. */
	find(sessionId: string): Promise<SessionWithUser | null> {
		return this.store.findWithUser(sessionId)
	}

	isLive(session: SessionRow, now = this.clock()): boolean {
		return session.endedAt === null && session.expiresAt > now
	}

	/** A password login: a new refresh-token family with an absolute end (SESSION_MAX_AGE). */
	async startUserSession(userId: number, clientId: string, scope: string, withRefreshToken: boolean) {
		const now = this.clock()
		const session = this.#newSession(userId, clientId, scope, now + this.settings.sessionMaxAgeSeconds)
		const refreshToken = withRefreshToken ? generateSecret() : null
		await this.store.start(
			session,
			refreshToken === null
				? null
				: {
						tokenHash: hashSecret(refreshToken),
						expiresAt: Math.min(now + this.settings.refreshTokenTtlSeconds, session.expiresAt)
					}
		)
		return { session, refreshToken }
	}

	/** A client_credentials grant: no refresh token, so the session lives as long as its one access token. */
	async startClientSession(clientId: string, scope: string): Promise<SessionRow> {
		const session = this.#newSession(null, clientId, scope, this.clock() + this.settings.accessTokenTtlSeconds)
		await this.store.start(session, null)
		return session
	}

	/**
	 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): exactly one caller can consume a token. `check`
	 * runs once it is consumed (scope narrowing, user state) and may throw, which undoes the
	 * consumption. A reuse has ended the session by the time InvalidGrant is thrown.
	 */
	async rotate(
		refreshToken: string,
		clientId: string,
		check: (found: SessionWithUser) => void
	): Promise<IssuedRefresh & { user: SessionWithUser['user'] }> {
		const successor = generateSecret()
		const result = await this.store.rotateRefreshToken({
			tokenHash: hashSecret(refreshToken),
			clientId,
			now: this.clock(),
			graceSeconds: this.settings.refreshReuseGraceSeconds,
			successorHash: hashSecret(successor),
			refreshTtlSeconds: this.settings.refreshTokenTtlSeconds,
			check
		})
		if (result.outcome === 'rotated')
			return { session: result.session, user: result.user, refreshToken: successor }
		if (result.outcome === 'reused') throw new RefreshReused(result.session)
		throw new InvalidGrant(undefined, result.reason)
	}

	/** The session a refresh token belongs to, whatever its state (revocation, introspection). */
	findByRefreshToken(refreshToken: string) {
		return this.store.findByRefreshToken(hashSecret(refreshToken))
	}

	/** Ends one session; its access and refresh tokens stop working at once. */
	async end(sessionId: string, reason: EndReason): Promise<EndedSession | null> {
		const [ended] = await this.store.end({ sessionId }, reason, this.clock())
		return ended ?? null
	}

	/** Ends every session of a user, optionally but one (the caller's own, on password change). */
	endAllForUser(userId: number, reason: EndReason, exceptSessionId?: string): Promise<EndedSession[]> {
		return this.store.end({ userId, exceptSessionId }, reason, this.clock())
	}

	/** Deletes sessions past their end and refresh tokens past their life. */
	prune(now = this.clock()) {
		// Ended sessions are kept for an access-token lifetime so `sid` lookups still say "ended".
		return this.store.prune(now, this.settings.accessTokenTtlSeconds)
	}

	#newSession(userId: number | null, clientId: string, scope: string, expiresAt: number): SessionRow {
		return {
			id: generateId(),
			userId,
			clientId,
			scope,
			createdAt: this.clock(),
			expiresAt,
			endedAt: null,
			endReason: null
		}
	}
}

/** RFC 9700 §4.14.2: a rotated refresh token came back; its session has been ended. */
export class RefreshReused extends InvalidGrant {
	constructor(readonly session: SessionRow) {
		super(undefined, 'refresh token reused')
	}
}
