/**
 * @module metrics (server module)
 * `GET /metrics` (Prometheus text format), and what the app's after-response hook counts of each
 * request. The scrape needs a bearer token with `admin` (Prometheus's `oauth2` scrape config gets
 * one with client_credentials).
 */
import { Elysia, StatusMap } from 'elysia'
import { bearerAuth } from '../../../auth/bearer'
import { StoreUnavailable } from '../../../errors'
import { CONTENT_TYPE } from '../../../metrics/exposition'
import { errorResponses } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'
import type { Metrics } from '../../../metrics'

/** The drivers' own errors (a failed query); Drizzle's wrapper carries them as `cause`. */
const DRIVER_ERRORS = new Set(['SQLiteError', 'PostgresError'])

/** A store call failed: the store did not answer (StoreUnavailable, a 503), or a query failed. */
function isStoreFailure(error: unknown): boolean {
	if (error instanceof StoreUnavailable) return true
	for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++)
		if (DRIVER_ERRORS.has(cause.name)) return true
	return false
}

/** Elysia lets a handler set a status by name (`set.status = 'Created'`). */
const statusCode = (status: string | undefined) =>
	status === undefined ? 200 : ((StatusMap as Record<string, number>)[status] ?? 0)

/** What the app's after-response hook knows of an answered request (src/server/app.ts). */
export interface Answered {
	request: Request
	/** The matched route pattern, e.g. `/posts/:id`; undefined when no route matched. */
	route?: string
	set: { status?: number | string }
	error?: unknown
}

/** Counts one answered request that took `seconds` from its arrival to the end of its response. */
export function countRequest(metrics: Metrics, { request, route, set, error }: Answered, seconds: number) {
	metrics.request(
		request.method,
		route,
		typeof set.status === 'number' ? set.status : statusCode(set.status),
		seconds
	)
	if (error !== undefined && isStoreFailure(error)) metrics.storeError()
}

/** `GET /metrics`; the app's own hooks count the requests (countRequest). */
export const metricsModule = (tessera: Tessera<ServerScope>) => {
	const { metrics } = tessera

	return new Elysia({ name: 'tessera.metrics', seed: tessera.settings.issuer })
		.use(bearerAuth(tessera))
		.get(
			'/metrics',
			({ set }) => {
				set.headers['content-type'] = CONTENT_TYPE
				set.headers['cache-control'] = 'no-store'
				return metrics.render()
			},
			{
				scope: ['admin'],
				detail: {
					tags: ['admin'],
					summary: 'Metrics in the Prometheus text format',
					description:
						'Requests by route and status, latency, logins by outcome, tokens by grant type, refresh-token reuse, Argon2 load, store errors.',
					responses: {
						200: {
							description: 'Prometheus text exposition format 0.0.4',
							content: { 'text/plain': { schema: { type: 'string' } } }
						},
						...errorResponses(401, 403)
					}
				}
			}
		)
}
