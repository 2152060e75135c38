/**
 * @module app
 * The Tessera server: every plugin and module mounted on one Elysia app, with the one onError
 * that renders every failure, the security headers and the request log line.
 */
import { Elysia } from 'elysia'
import { docs } from './docs/swagger'
import { ServerError } from './errors'
import { toApiError } from './http/render'
import { tokenServer } from './oauth'
import { adminModule } from './modules/admin'
import { healthModule } from './modules/health'
import { postsModule } from './modules/posts'
import { sessionModule } from './modules/session'
import { usersModule } from './modules/users'
import { metricsPlugin } from './http/metrics'
import type { Tessera } from './tessera'

/** On every response; /swagger overrides the CSP with one that lets its own scripts run. */
const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'no-referrer',
	'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
	'x-frame-options': 'DENY'
}

export function createApp(tessera: Tessera) {
	const { log } = tessera
	const startedAt = new WeakMap<Request, number>()

	return new Elysia({ name: 'tessera.app' })
		.onRequest(({ request, set }) => {
			startedAt.set(request, performance.now())
			Object.assign(set.headers, SECURITY_HEADERS)
		})
		.onError({ as: 'global' }, ({ code, error, set, request }) => {
			const failure = toApiError(code, error)
			if (failure instanceof ServerError)
				log.error('unhandled error', {
					path: new URL(request.url).pathname,
					error: error instanceof Error ? `${error.name}: ${error.message}` : String(error)
				})
			else if (failure.detail)
				log.debug('request refused', { error: failure.error, detail: failure.detail })
			set.status = failure.status
			return failure.toResponse()
		})
		.onAfterResponse({ as: 'global' }, ({ request, path, set }) => {
			const started = startedAt.get(request)
			log.info('request', {
				method: request.method,
				// The path Elysia routed on, without the query string: that could carry anything.
				path,
				status: set.status,
				duration_ms:
					started === undefined ? null : Math.round((performance.now() - started) * 100) / 100
			})
		})
		.use(metricsPlugin(tessera)) // before the routes it counts
		.use(docs(tessera))
		.use(tokenServer(tessera))
		.use(usersModule(tessera))
		.use(sessionModule(tessera))
		.use(postsModule(tessera))
		.use(adminModule(tessera))
		.use(healthModule(tessera))
}
