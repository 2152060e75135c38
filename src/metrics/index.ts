/**
 * @module metrics
 * The metrics of one Tessera instance, kept in plain counters on the instance (never in a module-
 * level registry: two instances in one process count apart) and rendered for Prometheus on scrape.
 *
 * Recording is on the request path, so it allocates nothing once a series exists: nested Maps keyed
 * by strings the request already has (its method, Elysia's matched route pattern), a typed array of
 * buckets per route. Label values are bounded: methods outside the standard set count as `other`,
 * and requests that matched no route as `unmatched`, so a scanner cannot create series at will.
 */
import type { GrantType } from '../oauth/clients'
import { counter, document, gauge, histogram, type Labels, type Sample } from './exposition'

export const LOGIN_OUTCOMES = ['success', 'invalid_grant', 'throttled', 'argon2_queue_full'] as const
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number]

const GRANT_TYPES: readonly GrantType[] = ['password', 'refresh_token', 'client_credentials']

/**
 * Upper bounds in seconds: a request with a cached token takes tens of µs, a login one Argon2 run
 * (tens of ms), more while it queues.
 */
export const LATENCY_BUCKETS = [
	0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
] as const

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const UNMATCHED = 'unmatched'

/** What a route has answered: counts by status, and the latency histogram. */
class RouteStats {
	readonly statuses = new Map<number, number>()
	readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1)
	seconds = 0
}

/** The Argon2 limiter's load, read at scrape time. */
export interface HasherLoad {
	readonly load: { running: number; waiting: number }
}

export class Metrics {
	readonly #routes = new Map<string, Map<string, RouteStats>>()
	readonly #logins = new Map<LoginOutcome, number>(LOGIN_OUTCOMES.map((outcome) => [outcome, 0]))
	readonly #tokens = new Map<GrantType, number>(GRANT_TYPES.map((grant) => [grant, 0]))
	#refreshReuse = 0
	#storeErrors = 0

	constructor(private readonly hasher: HasherLoad) {}

	/** One answered request; `seconds` from its arrival to the end of its response. */
	request(method: string, route: string | undefined, status: number, seconds: number): void {
		const byRoute = this.#routesOf(METHODS.has(method) ? method : 'other')
		const path = route || UNMATCHED
		let stats = byRoute.get(path)
		if (stats === undefined) byRoute.set(path, (stats = new RouteStats()))
		stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1)
		let bucket = 0
		while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++
		stats.buckets[bucket]!++
		stats.seconds += seconds
	}

	/** A password-grant attempt, counted where its outcome is decided. */
	login(outcome: LoginOutcome): void {
		this.#logins.set(outcome, this.#logins.get(outcome)! + 1)
	}

	tokenIssued(grantType: GrantType): void {
		this.#tokens.set(grantType, this.#tokens.get(grantType)! + 1)
	}

	/** RFC 9700 §4.14.2: a rotated refresh token came back, and its session was ended. */
	refreshReuse(): void {
		this.#refreshReuse++
	}

	/** A request failed because a store call did. */
	storeError(): void {
		this.#storeErrors++
	}

	/**
	 * Labels on every series of this instance: a server running several worker processes sets
	 * `worker`, so that Prometheus never takes the counters of two processes for one.
	 */
	labels: Labels = {}

	/** The Prometheus text document of everything counted so far. */
	render(): string {
		const requests: Sample[] = []
		const latency = []
		for (const [method, routes] of this.#routes)
			for (const [route, stats] of routes) {
				for (const [status, value] of stats.statuses)
					requests.push({ labels: { method, route, status: String(status) }, value })
				latency.push({
					labels: { method, route },
					bounds: LATENCY_BUCKETS,
					counts: stats.buckets,
					sum: stats.seconds
				})
			}
		const { running, waiting } = this.hasher.load
		const families = [
			counter(
				'tessera_http_requests_total',
				'HTTP requests answered, by method, matched route pattern and status.',
				requests
			),
			histogram(
				'tessera_http_request_duration_seconds',
				'Time from the arrival of a request to the end of its response, by method and matched route.',
				latency
			),
			counter(
				'tessera_logins_total',
				'Password-grant attempts by outcome: success, invalid_grant (wrong or unknown credentials, disabled user), throttled (429), argon2_queue_full (503).',
				[...this.#logins].map(([outcome, value]) => ({ labels: { outcome }, value }))
			),
			counter(
				'tessera_tokens_issued_total',
				'Token responses issued, by grant type.',
				[...this.#tokens].map(([grant_type, value]) => ({ labels: { grant_type }, value }))
			),
			counter(
				'tessera_refresh_token_reuse_total',
				'Rotated refresh tokens presented again; each ended its session (RFC 9700 4.14.2).',
				[{ labels: {}, value: this.#refreshReuse }]
			),
			gauge('tessera_argon2_running', 'Argon2 runs in progress now.', [{ labels: {}, value: running }]),
			gauge('tessera_argon2_waiting', 'Password checks and hashes waiting for an Argon2 slot now.', [
				{ labels: {}, value: waiting }
			]),
			counter('tessera_store_errors_total', 'Requests that failed because a database call failed.', [
				{ labels: {}, value: this.#storeErrors }
			])
		]
		return document(families, this.labels)
	}

	#routesOf(method: string): Map<string, RouteStats> {
		let routes = this.#routes.get(method)
		if (routes === undefined) this.#routes.set(method, (routes = new Map()))
		return routes
	}
}
