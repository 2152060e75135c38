/**
 * @module auth/principal
 * Who a bearer token speaks for: resolves `Authorization: Bearer` to a principal, checking the
 * signature (cached per token), then the session on every request so revocation is immediate.
 */
import type { Account, Accounts } from '../accounts'
import { Forbidden, InsufficientScope, InvalidToken, MissingToken } from '../errors'
import { parseBearer } from '../oauth/credentials'
import type { ScopeCatalog } from '../oauth/scope'
import type { Clock } from '../clock'
import type { Freshness, SessionRow } from '../store/port'
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

/** What a request with a given Authorization header was found to be, and under which freshness. */
interface Remembered<S extends string> {
	token: string
	claims: Readonly<VerifiedAccessToken>
	/** The freshness counter read before the session was; null: never trusted without a re-read. */
	tag: number | null
	principal: Principal<S>
}

/** Principals kept at once by default (see README, "Many live tokens", for bytes per entry). */
export const PRINCIPAL_CACHE_SIZE = 65_536

export class Authenticator<S extends string = string> {
	/** Tells instances apart where Elysia dedupes plugins by name and seed. */
	readonly id = crypto.randomUUID()
	/** By the exact Authorization header; insertion-ordered, the oldest goes first when full. */
	readonly #remembered = new Map<string, Remembered<S>>()

	constructor(
		private readonly verifier: AccessTokenVerifier,
		private readonly sessions: SessionStore,
		private readonly accounts: Accounts<S>,
		private readonly catalog: ScopeCatalog<S>,
		private readonly clock: Clock,
		/** When the store can prove memory current (one machine), principals are kept between requests. */
		private readonly freshness: Freshness | null,
		private readonly capacity = PRINCIPAL_CACHE_SIZE
	) {}

	/**
	 * The principal of a request. Synchronous when memory can answer: the same header seen before,
	 * its token unexpired and its key still trusted, and nothing revoked anywhere since its session
	 * was read (the store's freshness counter is unchanged). Otherwise the store is asked.
	 */
	authenticate(authorization: string | undefined): Principal<S> | Promise<Principal<S>> {
		if (authorization === undefined) throw new MissingToken()
		const remembered = this.#remembered.get(authorization)
		if (remembered !== undefined) {
			const { principal, tag } = remembered
			const now = this.clock()
			if (
				tag !== null &&
				tag === this.freshness!.current() &&
				principal.expiresAt > now &&
				principal.session.expiresAt > now &&
				this.verifier.cached(remembered.token) !== undefined
			)
				return principal
		}
		return this.#authenticate(authorization, remembered)
	}

	async #authenticate(authorization: string, remembered: Remembered<S> | undefined): Promise<Principal<S>> {
		const token = remembered?.token ?? parseBearer(authorization)
		if (token === null) throw new MissingToken()
		const claims = await this.verifier.verify(token)
		// Read before the session: a revocation that lands meanwhile has moved it past this value.
		const tag = this.freshness?.current() ?? null
		const found = await this.sessions.find(claims.sid)
		if (!found) throw new InvalidToken('unknown session')
		const { session, user } = found
		// The token must agree with the session it names; a mismatch means it is not ours.
		if (session.clientId !== claims.client_id || claims.sub !== (user ? String(user.id) : session.clientId))
			throw new InvalidToken('token does not match its session')
		if (user?.disabled) throw new Forbidden('The user is disabled')
		if (!this.sessions.isLive(session)) throw new InvalidToken('session ended')
		const base = {
			clientId: session.clientId,
			scopes: this.#scopes(claims.scope, session.scope),
			session,
			tokenId: claims.jti,
			expiresAt: claims.exp
		}
		const principal: Principal<S> = user
			? { ...base, kind: 'user', user: this.accounts.toAccount(user) }
			: { ...base, kind: 'client', user: null }
		if (tag !== null) this.#remember(authorization, { token, claims, tag, principal })
		return principal
	}

	/** The token's scope, within its session's: a signed claim never outgrants its session. */
	#scopes(tokenScope: string, sessionScope: string): readonly S[] {
		const granted = this.catalog.list(sessionScope)
		return Object.freeze(this.catalog.list(tokenScope).filter((scope) => granted.includes(scope)))
	}

	#remember(authorization: string, entry: Remembered<S>) {
		if (!this.#remembered.delete(authorization) && this.#remembered.size >= this.capacity)
			this.#remembered.delete(this.#remembered.keys().next().value!)
		this.#remembered.set(authorization, entry)
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
