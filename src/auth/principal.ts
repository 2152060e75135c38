/**
 * @module auth/principal
 * Who a bearer token speaks for: resolves `Authorization: Bearer` to a principal, checking the
 * signature (cached per token), then the session on every request so revocation is immediate.
 */
import type { Account, Accounts } from '../accounts'
import { Forbidden, InsufficientScope, InvalidToken, MissingToken } from '../errors'
import { parseBearer } from '../oauth/credentials'
import type { ScopeCatalog } from '../oauth/scope'
import type { SessionRow } from '../store/port'
import type { AccessTokenVerifier, VerifiedAccessToken } from '../tokens/access-token'
import type { SessionStore } from '../tokens/sessions'

interface PrincipalBase<S extends string> {
	clientId: string
	/** What this request may do: the token's scope, within its session's. Never mutate. */
	scopes: readonly S[]
	session: SessionRow
	/** `jti` and `exp` of the presented token. */
	tokenId: string
	expiresAt: number
}

export interface UserPrincipal<S extends string = string> extends PrincipalBase<S> {
	kind: 'user'
	user: Account<S>
}

/** A client_credentials token: the client acts for itself, no user. */
export interface ClientPrincipal<S extends string = string> extends PrincipalBase<S> {
	kind: 'client'
	user: null
}

export type Principal<S extends string = string> = UserPrincipal<S> | ClientPrincipal<S>

export class Authenticator<S extends string = string> {
	/** Tells instances apart where Elysia dedupes plugins by name and seed. */
	readonly id = crypto.randomUUID()
	/** A token's scope list, parsed once: the verifier returns the same claims object while it caches the token. */
	readonly #scopes = new WeakMap<object, readonly S[]>()

	constructor(
		private readonly verifier: AccessTokenVerifier,
		private readonly sessions: SessionStore,
		private readonly accounts: Accounts<S>,
		private readonly catalog: ScopeCatalog<S>
	) {}

	async authenticate(authorization: string | undefined): Promise<Principal<S>> {
		const token = parseBearer(authorization)
		if (token === null) throw new MissingToken()
		const claims = await this.verifier.verify(token)
		const found = await this.sessions.find(claims.sid)
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
		const tokenScopes = this.#scopesOf(claims)
		const base = {
			clientId: session.clientId,
			// The session's scope bounds the token's: a signed claim never outgrants its session.
			scopes: session.scope === claims.scope ? tokenScopes : tokenScopes.filter((s) => session.scope.split(' ').includes(s)),
			session,
			tokenId: claims.jti,
			expiresAt: claims.exp
		}
		return user
			? { ...base, kind: 'user', user: this.accounts.toAccount(user) }
			: { ...base, kind: 'client', user: null }
	}

	#scopesOf(claims: Readonly<VerifiedAccessToken>): readonly S[] {
		let scopes = this.#scopes.get(claims)
		if (scopes === undefined) {
			scopes = Object.freeze(this.catalog.list(claims.scope))
			this.#scopes.set(claims, scopes)
		}
		return scopes
	}
}

/** RFC 6750 §3.1: a token without every required scope gets 403 insufficient_scope. */
export function requireScopes<S extends string>(principal: Principal<S>, required: readonly S[]): void {
	if (!required.every((scope) => principal.scopes.includes(scope))) throw new InsufficientScope(required)
}

/** A route that needs a user answers a client principal 403, insufficient_scope-style. */
export function requireUser<S extends string>(
	principal: Principal<S>,
	required: readonly S[]
): asserts principal is UserPrincipal<S> {
	if (principal.kind !== 'user')
		throw new InsufficientScope(required, 'This resource requires a user; a client token has none')
}
