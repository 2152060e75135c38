import { Elysia, t } from 'elysia'
import type { Tessera } from '../../tessera'

export const healthModule = (tessera: Tessera) => {
	const ping = tessera.db.$client.prepare('SELECT 1')
	return new Elysia({ name: 'tessera.health', seed: tessera.config.issuer }).get(
		'/health',
		() => {
			ping.get()
			return { status: 'ok' as const }
		},
		{
			response: { 200: t.Object({ status: t.Literal('ok') }) },
			detail: { tags: ['health'], summary: 'Liveness: ok when the database answers' }
		}
	)
}
