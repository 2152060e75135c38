/**
 * @module grants/client-credentials
 * RFC 6749 §4.4: a confidential client acting for itself. No refresh token (§4.4.3).
 */
import { UnauthorizedClient } from '../../../errors'
import { issueTokens } from '../response'
import type { Grant } from './types'

export const clientCredentials: Grant = {
	grantType: 'client_credentials',
	async handle(tessera, { params, client }) {
		// §4.4.2: "The client credentials grant type MUST only be used by confidential clients."
		if (!client.confidential)
			throw new UnauthorizedClient('Only confidential clients may use client_credentials')
		const { scopes } = tessera.settings
		const granted = scopes.format(scopes.grant(scopes.parse(params.scope), client.scopes))
		const session = await tessera.sessions.startClientSession(client.id, granted)
		const tokens = await issueTokens(tessera, session, granted, null)
		tessera.metrics.tokenIssued('client_credentials')
		return tokens
	}
}
