/**
 * @module auth/principal
 * Who a bearer token speaks for: resolves `Authorization: Bearer` to a principal, checking the
 * signature (cached per token), then the session on every request so revocation is immediate.
 */
import type { Session, User } from '../db/schema'
import { Forbidden, InsufficientScope, InvalidToken, MissingToken } from '../errors'
import { parseBearer } from '../oauth/credentials'
import { scopeList, type Scope } from '../oauth/scope'
import type { AccessTokenVerifier, VerifiedAccessToken } from '../tokens/access-token'
import type { SessionStore } from '../tokens/sessions'

interface PrincipalBase {
	clientId: string
	/** Shared by every request with the same token: never mutate. */
	scopes: readonly Scope[]
	session: Session
	/** `jti` and `exp` of the presented token. */
	tokenId: string
	expiresAt: number
}

export interface UserPrincipal extends PrincipalBase {
	kind: 'user'
	user: User
}

/** A client_credentials token: the client acts for itself, no user. */
export interface ClientPrincipal extends PrincipalBase {
	kind: 'client'
	user: null
}

export type Principal = UserPrincipal | ClientPrincipal

export class Authenticator {
	/**
	 * A token's effective scopes, computed once per token and session scope: the verifier returns
	 * the same claims object while it caches the token, and a session's scope rarely changes.
	 */
	readonly #scopes = new WeakMap<object, { sessionScope: string; scopes: readonly Scope[] }>()

	constructor(
		private readonly verifier: AccessTokenVerifier,
		private readonly sessions: SessionStore
	) {}

	async authenticate(authorization: string | undefined): Promise<Principal> {
		const token = parseBearer(authorization)
		if (token === null) throw new MissingToken()
		const claims = await this.verifier.verify(token)
		const found = this.sessions.find(claims.sid)
		if (!found) throw new InvalidToken('unknown session')
		const { session, user } = found
		// The token must agree with the session it names; a mismatch means it is not ours.
		if (
			session.clientId !== claims.client_id ||
			claims.sub !== (user ? String(user.id) : session.clientId)
		)
			throw new InvalidToken('token does not match its session')
		if (user?.disabled) throw new Forbidden('The user is disabled')
		if (!this.sessions.isLive(session)) throw new InvalidToken('session ended')
		const base = {
			clientId: session.clientId,
			scopes: this.#scopesOf(claims, session.scope),
			session,
			tokenId: claims.jti,
			expiresAt: claims.exp
		}
		return user ? { ...base, kind: 'user', user } : { ...base, kind: 'client', user: null }
	}

	/**
	 * The token's `scope` claim, but only as far as its session still grants it: the session is
	 * the authority (RFC 6749 §6: a token never carries more than was granted), so a session
	 * narrowed since the token was signed narrows the token at once, and a token whose claim
	 * somehow exceeds its session (a signing key in the wrong hands, a bug) gains nothing.
	 */
	#scopesOf(claims: Readonly<VerifiedAccessToken>, sessionScope: string): readonly Scope[] {
		const cached = this.#scopes.get(claims)
		if (cached?.sessionScope === sessionScope) return cached.scopes
		const granted = scopeList(sessionScope)
		const scopes = Object.freeze(scopeList(claims.scope).filter((scope) => granted.includes(scope)))
		this.#scopes.set(claims, { sessionScope, scopes })
		return scopes
	}
}

/** RFC 6750 §3.1: a token without every required scope gets 403 insufficient_scope. */
export function requireScopes(principal: Principal, required: readonly Scope[]): void {
	if (!required.every((scope) => principal.scopes.includes(scope))) throw new InsufficientScope(required)
}

/** docs/contract.md: a route that needs a user answers a client principal 403, insufficient_scope-style. */
export function requireUser(
	principal: Principal,
	required: readonly Scope[]
): asserts principal is UserPrincipal {
	if (principal.kind !== 'user')
		throw new InsufficientScope(required, 'This resource requires a user; a client token has none')
}
