/**
 * @module app
 * The Tessera server: every plugin and module mounted on one Elysia app, with the one onError
 * that renders every failure, the security headers and the request log line.
 */
import { Elysia } from 'elysia'
import { docs } from './docs/swagger'
import { ApiError, MethodNotAllowed, ServerError, StoreUnavailable } from '../errors'
import { clientAddress } from '../http/address'
import { allowedMethods, type AllowedMethods } from '../http/allowed-methods'
import type { LogFields } from '../http/logger'
import { toApiError } from '../http/render'
import { beginRequest, requestContext } from '../http/request-context'
import { refuseOversizedBody } from '../http/request-limits'
import { tokenServer } from '../oauth'
import { adminModule } from './modules/admin'
import { healthModule } from './modules/health'
import { postsModule } from './modules/posts'
import { sessionModule } from './modules/session'
import { usersModule } from './modules/users'
import { metricsModule } from './modules/metrics'
import type { Config } from './config'
import type { ServerScope } from './scopes'
import type { Tessera } from '../tessera'

/** On every response; /swagger overrides the CSP with one that lets its own scripts run. */
const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'no-referrer',
	'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
	'x-frame-options': 'DENY'
}

export function createApp(tessera: Tessera<ServerScope>, config: Pick<Config, 'registration'>) {
	const { log, settings } = tessera

	// Filled in from the routes once they are all registered, below.
	let allowed: AllowedMethods = () => undefined

	const app = new Elysia({ name: 'tessera.app' })
		.onRequest(({ request, set, server }) => {
			Object.assign(set.headers, SECURITY_HEADERS)
			const context = beginRequest(request, clientAddress(request, server, settings.trustProxy))
			// Set before anything can fail, so every response carries it, errors included.
			set.headers['x-request-id'] = context.id
			refuseOversizedBody(request)
		})
		.onError({ as: 'global' }, ({ code, error, set, request, path }) => {
			const allow = code === 'NOT_FOUND' && !(error instanceof ApiError) ? allowed(path) : undefined
			const failure = allow === undefined ? toApiError(code, error) : new MethodNotAllowed(allow)
			if (failure instanceof ServerError)
				log.error('unhandled error', {
					path: new URL(request.url).pathname,
					error: error instanceof Error ? `${error.name}: ${error.message}` : String(error)
				})
			// docs/contract.md Running several instances: an outage is the operator's to see.
			else if (failure instanceof StoreUnavailable)
				log.warn('database unavailable', { path, detail: failure.detail })
			else if (failure.detail)
				log.debug('request refused', { error: failure.error, detail: failure.detail })
			set.status = failure.status
			return failure.toResponse()
		})
		.onAfterResponse({ as: 'global' }, ({ request, path, set }) => {
			const context = requestContext(request)
			const fields: LogFields = {
				method: request.method,
				// The path Elysia routed on, without the query string: that could carry anything.
				path,
				status: set.status,
				duration_ms:
					context === undefined
						? null
						: Math.round((performance.now() - context.started) * 100) / 100,
				request_id: context?.id ?? null,
				address: context?.address ?? null
			}
			if (context?.client_id !== undefined) fields.client_id = context.client_id
			if (context?.sub !== undefined) fields.sub = context.sub
			log.info('request', fields)
		})
		.use(metricsModule(tessera)) // before the routes it counts
		.use(docs(tessera))
		.use(tokenServer(tessera))
		.use(usersModule(tessera, config))
		.use(sessionModule(tessera))
		.use(postsModule(tessera))
		.use(adminModule(tessera))
		.use(healthModule(tessera))
	allowed = allowedMethods(app.routes)
	return app
}
