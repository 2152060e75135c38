/**
 * @module grants/refresh-token
 * RFC 6749 §6 with rotation on every use and reuse detection (RFC 9700 §4.14.2).
 */
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../../errors'
import { RefreshReused } from '../../../tokens/sessions'
import { issueTokens } from '../response'
import type { Grant } from './types'

export const refreshToken: Grant = {
	grantType: 'refresh_token',
	async handle(tessera, { params, client, address }) {
		if (params.refresh_token === undefined)
			throw new InvalidRequest('The refresh_token parameter is required')
		const { scopes } = tessera.settings
		const requested = scopes.parse(params.scope)
		let accessScope = ''
		try {
			const { session, refreshToken } = await tessera.sessions.rotate(
				params.refresh_token,
				client.id,
				({ session, user }) => {
					if (!user || user.disabled) throw new InvalidGrant(undefined, 'user disabled or gone')
					const original = scopes.list(session.scope)
					// §6: the requested scope "MUST NOT include any scope not originally granted".
					if (requested && !requested.every((s) => original.includes(s)))
						throw new InvalidScope('The requested scope exceeds the scope originally granted')
					accessScope = requested ? scopes.format(requested) : session.scope
				}
			)
			// The new refresh token keeps the session's scope; only this access token is narrowed.
			const tokens = await issueTokens(tessera, session, accessScope, refreshToken)
			tessera.metrics.tokenIssued('refresh_token')
			return tokens
		} catch (error) {
			if (error instanceof RefreshReused) {
				tessera.metrics.refreshReuse()
				await tessera.audit.record('refresh.reuse_detected', {
					userId: error.session.userId,
					sessionId: error.session.id,
					clientId: client.id,
					address: address()
				})
			}
			throw error
		}
	}
}
