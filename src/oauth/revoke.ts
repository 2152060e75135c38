/**
 * @module oauth/revoke
 * POST /oauth/revoke (RFC 7009). Revoking either token of a session ends the session, so its
 * refresh and access tokens all stop working at once (§2.1 "SHOULD also invalidate…").
 */
import { Elysia, t } from 'elysia'
import { InvalidRequest, UnauthorizedClient, UnsupportedTokenType } from '../errors'
import { clientAddress } from '../http/address'
import { renderError } from '../http/render'
import type { Tessera } from '../tessera'
import { findToken, type TokenHint } from '../tokens/lookup'
import { parseOAuthParams, type OAuthParams } from './form'
import { errorResponses, formRequestBody, responseTypes, TokenRevocationRequest, typeOnly } from './model'
import { NO_STORE } from './token/response'

const HINTS: readonly string[] = ['access_token', 'refresh_token'] satisfies TokenHint[]

export const revocationEndpoint = (tessera: Tessera) =>
	new Elysia({ name: 'tessera.revocation-endpoint', seed: tessera.settings.issuer })
		.onError(renderError)
		.post(
			'/oauth/revoke',
			async ({ request, body, headers, server, set }) => {
				Object.assign(set.headers, NO_STORE)
				const params = body as OAuthParams
				// §2.1: the client authenticates as at the token endpoint.
				const client = await tessera.clients.authenticate(headers.authorization, params)
				if (params.token === undefined) throw new InvalidRequest('The token parameter is required')
				const hint = params.token_type_hint
				if (hint !== undefined && !HINTS.includes(hint)) throw new UnsupportedTokenType()

				const found = await findToken(tessera, params.token, hint as TokenHint | undefined)
				// §2.2: an invalid or unknown token is answered 200 all the same.
				if (found) {
					// §2.1: "the authorization server … verifies whether the token was issued to the client making the revocation request"
					if (found.session.clientId !== client.id)
						throw new UnauthorizedClient('The token was issued to another client')
					if (await tessera.sessions.end(found.session.id, 'revoked'))
						await tessera.audit.record('token.revoked', {
							userId: found.session.userId,
							sessionId: found.session.id,
							clientId: client.id,
							address: clientAddress(request, server, tessera.settings.trustProxy),
							detail: { token_type: found.kind }
						})
				}
				set.status = 200
				return '' as const
			},
			{
				parse: parseOAuthParams,
				body: typeOnly(TokenRevocationRequest),
				response: responseTypes(t.Literal(''), 400, 401, 413),
				detail: {
					tags: ['oauth'],
					summary: 'Revoke a token (RFC 7009); ends its session',
					requestBody: formRequestBody(TokenRevocationRequest),
					responses: {
						200: { description: 'Revoked, or the token was not valid' },
						...errorResponses(400, 401, 413)
					}
				}
			}
		)
