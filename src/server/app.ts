/**
 * @module app
 * The Tessera server: every plugin and module mounted on one Elysia app, with the one onError
 * that renders every failure, and one hook on each side of a request: the security headers and
 * request id on arrival, the metrics and the request log line once it is answered.
 */
import { Elysia } from 'elysia'
import { docs } from './docs/swagger'
import { ApiError, MethodNotAllowed, ServerError, StoreUnavailable } from '../errors'
import { clientAddress } from '../http/address'
import { allowedMethods, type AllowedMethods } from '../http/allowed-methods'
import type { LogFields } from '../http/logger'
import { toApiError } from '../http/render'
import { beginRequest, requestContext, requestId } from '../http/request-context'
import { refuseOversizedBody } from '../http/request-limits'
import { tokenServer } from '../oauth'
import { adminModule } from './modules/admin'
import { healthModule } from './modules/health'
import { postsModule } from './modules/posts'
import { sessionModule } from './modules/session'
import { usersModule } from './modules/users'
import { countRequest, metricsModule, type Answered } from './modules/metrics'
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

/**
 * Kept on Elysia's per-request context, which both hooks share: no lookup per request. Optional
 * to the type system only: onRequest sets it before anything can fail.
 */
interface Arrived {
	arrivedAt?: number
}

export function createApp(tessera: Tessera<ServerScope>, config: Pick<Config, 'registration'>) {
	const { log, settings } = tessera

	// Filled in from the routes once they are all registered, below.
	let allowed: AllowedMethods = () => undefined
	// A request whose log line is dropped costs no clock read, context or client address (a
	// system call): at LOG_LEVEL=warn and above the hot path skips all three.
	const logRequests = log.enabled?.('info') ?? true

	const app = new Elysia({ name: 'tessera.app' })
		// Not `server` from the context: a hook that reads it costs every route a property definition
		// per request (Elysia's compiled handler), and the server is the app's own.
		.onRequest((context) => {
			const { request, set } = context
			;(context as Arrived).arrivedAt = performance.now()
			Object.assign(set.headers, SECURITY_HEADERS)
			const id = requestId(request)
			// Set before anything can fail, so every response carries it, errors included.
			set.headers['x-request-id'] = id
			if (logRequests)
				beginRequest(request, id, clientAddress(request, app.server, settings.trustProxy))
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
		// Destructured, not the whole context: Elysia compiles in only what a hook reads. `error` is
		// there at run time after a failure, though Elysia's type does not list it.
		.onAfterResponse(
			{ as: 'global' },
			({ request, route, path, set, error, arrivedAt }: Answered & Arrived & { path: string }) => {
				const milliseconds = performance.now() - arrivedAt!
				countRequest(tessera.metrics, { request, route, set, error }, milliseconds / 1000)
				if (!logRequests) return
				const context = requestContext(request)
				const fields: LogFields = {
					method: request.method,
					// The path Elysia routed on, without the query string: that could carry anything.
					path,
					status: set.status,
					duration_ms: Math.round(milliseconds * 100) / 100,
					request_id: context?.id ?? null,
					address: context?.address ?? null
				}
				if (context?.client_id !== undefined) fields.client_id = context.client_id
				if (context?.sub !== undefined) fields.sub = context.sub
				log.info('request', fields)
			}
		)
		.use(metricsModule(tessera))
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
