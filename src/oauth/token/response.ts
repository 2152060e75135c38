/**
 * @module oauth/token/response
 * RFC 6749 §5.1 successful token responses, with RFC 9068 access tokens.
 */
import type { SessionRow as Session } from '../../store/port'
import type { Tessera } from '../../tessera'
import { generateId } from '../../tokens/opaque'

export interface TokenResponse {
	access_token: string
	token_type: 'Bearer'
	expires_in: number
	refresh_token?: string
	scope: string
}

/** §5.1: "The authorization server MUST include the HTTP Cache-Control response header field with a value of no-store". */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const

/**
 * Mints the access token of a session. `scope` is what this token carries: the session's scope,
 * or a narrowing of it on refresh. docs/contract.md: `scope` is always returned.
 */
export async function issueTokens(
	{ keys, settings, clock }: Pick<Tessera, 'keys' | 'settings' | 'clock'>,
	session: Session,
	scope: string,
	refreshToken: string | null
): Promise<TokenResponse> {
	const expiresIn = settings.accessTokenTtlSeconds
	const accessToken = await keys.sign({
		// RFC 9068 §5: a client_credentials token's subject is the client itself.
		sub: session.userId === null ? session.clientId : String(session.userId),
		client_id: session.clientId,
		scope,
		sid: session.id,
		jti: generateId(),
		exp: clock() + expiresIn
	})
	return {
		access_token: accessToken,
		token_type: 'Bearer',
		expires_in: expiresIn,
		...(refreshToken === null ? {} : { refresh_token: refreshToken }),
		scope
	}
}
