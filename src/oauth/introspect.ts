/**
 * @module oauth/introspect
 * POST /oauth/introspect (RFC 7662), for confidential clients, about their own tokens, and for
 * bearers of an `admin` token, about any. Anything not valid, or not the caller's to see, is
 * `{"active":false}` and nothing more (§2.2).
 */
import { Elysia } from 'elysia'
import { requireScopes } from '../auth/principal'
import { InvalidClient, InvalidRequest } from '../errors'
import { renderError } from '../http/render'
import type { Tessera } from '../tessera'
import { findToken, type FoundToken, type TokenHint } from '../tokens/lookup'
import { schemeOf } from './credentials'
import { parseOAuthParams, type OAuthParams } from './form'
import {
	errorResponses,
	formRequestBody,
	IntrospectionResponse,
	jsonContent,
	responseTypes,
	TokenRevocationRequest,
	typeOnly
} from './model'
import { NO_STORE } from './token/response'

export const introspectionEndpoint = (tessera: Tessera) => {
	const { issuer, audience, adminScope, scopes } = tessera.settings

	/**
	 * §2.1: "the endpoint MUST also require some form of authorization". Returns whose tokens the
	 * caller may learn about: a client's own, or (null) every client's for an `admin` bearer.
	 */
	async function authorizeCaller(
		authorization: string | undefined,
		params: OAuthParams
	): Promise<string | null> {
		if (authorization !== undefined && schemeOf(authorization) === 'bearer') {
			const principal = await tessera.authenticator.authenticate(authorization)
			// RFC 7662 §4: only a bearer holding the admin scope (when the catalog has one) may introspect.
			if (adminScope === null) throw new InvalidClient(false, 'introspection needs client authentication')
			requireScopes(principal, [adminScope])
			return null
		}
		const client = await tessera.clients.authenticate(authorization, params)
		if (!client.confidential) throw new InvalidClient(false, 'introspection needs a confidential client')
		return client.id
	}

	/**
	 * §2.2: a token "the protected resource is not allowed to introspect" is answered as any
	 * inactive one, so a client learns nothing of another client's tokens, not even that they exist.
	 */
	const mayIntrospect = (caller: string | null, found: FoundToken) =>
		caller === null || found.session.clientId === caller

	function describe(found: FoundToken) {
		const { session, user } = found
		const common = {
			active: true as const,
			client_id: session.clientId,
			...(user ? { username: user.username } : {}),
			sub: user ? String(user.id) : session.clientId,
			aud: audience,
			iss: issuer
		}
		return found.kind === 'access_token'
			? {
					...common,
					// What the token is good for: its claim as far as its session still grants it (auth/principal).
					scope: scopes.format(
						scopes.list(found.claims.scope).filter((scope) => scopes.list(session.scope).includes(scope))
					),
					token_type: 'Bearer',
					exp: found.claims.exp,
					iat: found.claims.iat,
					jti: found.claims.jti
				}
			: {
					...common,
					scope: session.scope,
					token_type: 'refresh_token',
					exp: found.expiresAt,
					iat: found.createdAt
				}
	}

	return new Elysia({ name: 'tessera.introspection-endpoint', seed: issuer }).onError(renderError).post(
		'/oauth/introspect',
		async ({ body, headers, set }) => {
			Object.assign(set.headers, NO_STORE)
			const params = body as OAuthParams
			const caller = await authorizeCaller(headers.authorization, params)
			if (params.token === undefined) throw new InvalidRequest('The token parameter is required')
			const found = await findToken(
				tessera,
				params.token,
				params.token_type_hint as TokenHint | undefined
			)
			return found?.active && mayIntrospect(caller, found) ? describe(found) : { active: false }
		},
		{
			parse: parseOAuthParams,
			body: typeOnly(TokenRevocationRequest),
			response: responseTypes(IntrospectionResponse, 400, 401, 403),
			detail: {
				tags: ['oauth'],
				summary: 'Introspect a token (RFC 7662)',
				description:
					'For confidential clients (HTTP Basic or client_secret_post), about the tokens issued to them; or a bearer token with `admin`, about any token.',
				security: [{ clientBasic: [] }, { oauth2: ['admin'] }],
				requestBody: formRequestBody(TokenRevocationRequest),
				responses: {
					200: { description: 'Token state', content: jsonContent(IntrospectionResponse) },
					...errorResponses(400, 401, 403)
				}
			}
		}
	)
}
