/**
 * @module tokens/lookup
 * Finds what a presented token is, for revocation (RFC 7009) and introspection (RFC 7662):
 * one of our refresh tokens or one of our access tokens, with its session. The hint only
 * orders the search; both kinds are always tried (RFC 7009 §2.1, RFC 7662 §2.1).
 */
import type { Account } from '../accounts'
import type { SessionRow as Session } from '../store/port'
import type { Tessera } from '../tessera'
import type { VerifiedAccessToken } from './access-token'

/** Who a token speaks for, as far as revocation and introspection need to know. */
type TokenOwner = Pick<Account, 'id' | 'username' | 'disabled'>

export type TokenHint = 'access_token' | 'refresh_token'

export type FoundToken =
	| {
			kind: 'refresh_token'
			session: Session
			user: TokenOwner | null
			createdAt: number
			expiresAt: number
			active: boolean
	  }
	| {
			kind: 'access_token'
			session: Session
			user: TokenOwner | null
			claims: VerifiedAccessToken
			active: boolean
	  }

export async function findToken(
	tessera: Tessera,
	token: string,
	hint?: TokenHint
): Promise<FoundToken | null> {
	const order = hint === 'access_token' ? [findAccess, findRefresh] : [findRefresh, findAccess]
	for (const find of order) {
		const found = await find(tessera, token)
		if (found) return found
	}
	return null
}

async function findRefresh(tessera: Tessera, token: string): Promise<FoundToken | null> {
	const found = await tessera.sessions.findByRefreshToken(token)
	if (!found) return null
	const user = found.session.userId === null ? null : await tessera.users.find(found.session.userId)
	return {
		kind: 'refresh_token',
		session: found.session,
		user,
		createdAt: found.token.createdAt,
		expiresAt: found.token.expiresAt,
		active:
			found.token.rotatedAt === null &&
			found.token.expiresAt > tessera.clock() &&
			tessera.sessions.isLive(found.session) &&
			!user?.disabled
	}
}

async function findAccess(tessera: Tessera, token: string): Promise<FoundToken | null> {
	// Only a token that verifies is ours; anything else is not a token we issued.
	const claims = await tessera.verifier.verify(token).catch(() => null)
	if (!claims) return null
	const found = await tessera.sessions.find(claims.sid)
	if (!found) return null
	return {
		kind: 'access_token',
		session: found.session,
		user: found.user,
		claims,
		active: tessera.sessions.isLive(found.session) && !found.user?.disabled
	}
}
