import { Elysia, t } from 'elysia'
import { errorResponses, jsonResponse } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'

const Health = t.Object({ status: t.Literal('ok') })

export const healthModule = (tessera: Tessera<ServerScope>) => {
	return new Elysia({ name: 'tessera.health', seed: tessera.settings.issuer }).get(
		'/health',
		async () => {
			await tessera.store.ping()
			return { status: 'ok' as const }
		},
		{
			response: { 200: Health },
			detail: {
				tags: ['health'],
				summary: 'Liveness: ok when the database answers',
				responses: {
					200: jsonResponse('The database answers', Health),
					...errorResponses([
						503,
						'temporarily_unavailable: the database does not answer (Retry-After)'
					])
				}
			}
		}
	)
}
