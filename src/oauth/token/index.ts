/**
 * @module oauth/token
 * The token endpoint (RFC 6749 §3.2) as an Elysia plugin. The checks run in this order, as the
 * RFC's error table reads: parameters → client authentication → grant type → grant.
 */
import { Elysia } from 'elysia'
import { decodeJwt } from 'jose'
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../../errors'
import { clientAddress } from '../../http/address'
import { annotate, requestContext } from '../../http/request-context'
import type { Tessera } from '../../tessera'
import { parseOAuthParams, type OAuthParams } from '../form'
import { renderError } from '../../http/render'
import {
	errorResponses,
	formRequestBody,
	jsonResponse,
	responseTypes,
	TokenRequest,
	TokenResponseBody,
	typeOnly
} from '../model'
import { findGrant } from './grants'
import { NO_STORE } from './response'

export const tokenEndpoint = (tessera: Tessera) =>
	new Elysia({ name: 'tessera.token-endpoint', seed: tessera.settings.issuer }).onError(renderError).post(
		'/oauth/token',
		async ({ request, body, headers, server, set }) => {
			// §5.1: no caching of tokens (every ApiError response carries the same headers).
			Object.assign(set.headers, NO_STORE)
			const params = body as OAuthParams
			if (params.grant_type === undefined)
				throw new InvalidRequest('The grant_type parameter is required')
			const client = await tessera.clients.authenticate(headers.authorization, params)
			annotate(request, { client_id: client.id })
			const grant = findGrant(params.grant_type)
			if (!grant) throw new UnsupportedGrantType()
			if (!client.grants.includes(grant.grantType)) throw new UnauthorizedClient()
			const address = () => clientAddress(request, server, tessera.settings.trustProxy)
			const tokens = await grant.handle(tessera, { params, client, address })
			// The token we just signed; its `sub` names the user, or the client (RFC 9068 §2.2). Read
			// back only for a request log line that will say it.
			if (requestContext(request) !== undefined)
				annotate(request, { sub: decodeJwt(tokens.access_token).sub })
			return tokens
		},
		{
			parse: parseOAuthParams,
			body: typeOnly(TokenRequest),
			response: responseTypes(TokenResponseBody, 400, 401, 413, 429, 503),
			detail: {
				tags: ['oauth'],
				summary: 'Issue tokens (password, refresh_token, client_credentials)',
				description:
					'RFC 6749 §3.2. Client authentication: HTTP Basic, or client_id/client_secret in the body, never both. ' +
					'Without any client_id the request acts as the public client `default`.',
				requestBody: formRequestBody(TokenRequest),
				responses: {
					200: jsonResponse('Tokens', TokenResponseBody),
					...errorResponses(400, 401, 413, 429, 503)
				}
			}
		}
	)
