/**
 * @module session
 * POST /auth/logout: ends the session of the presented token, refresh and access tokens alike.
 */
import { Elysia } from 'elysia'
import { bearerAuth } from '../../../auth/bearer'
import { clientAddress } from '../../../http/address'
import { jsonBody } from '../../../http/json-body'
import { errorResponses } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'

export const sessionModule = (tessera: Tessera<ServerScope>) =>
	new Elysia({ name: 'tessera.session', seed: tessera.settings.issuer })
		.use(bearerAuth(tessera))
		// No body is expected, but one sent is still read within the bound, never whole.
		.use(jsonBody())
		.post(
			'/auth/logout',
			async ({ principal, request, server, set }) => {
				if (await tessera.sessions.end(principal.session.id, 'logout'))
					await tessera.audit.record('session.ended', {
						userId: principal.user?.id,
						sessionId: principal.session.id,
						clientId: principal.clientId,
						address: clientAddress(request, server, tessera.settings.trustProxy),
						detail: { reason: 'logout' }
					})
				set.status = 204
			},
			{
				scope: [],
				detail: {
					tags: ['users'],
					summary: 'Log out: end this token’s session',
					responses: {
						204: { description: 'Session ended' },
						...errorResponses(401, [403, 'The user is disabled'])
					}
				}
			}
		)
