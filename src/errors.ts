/**
 * @module errors
 * The one error model. Every failure a client can cause is an ApiError carrying its HTTP status,
 * its RFC error code, a fixed public description and, where the RFC wants one, a WWW-Authenticate
 * challenge. It renders itself (`toResponse`), so it comes out right even inside a host app that
 * mounts our plugins without our onError. A private `detail` goes to logs only.
 */

export interface ApiErrorBody {
	error: string
	error_description: string
	scope?: string
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly description: string,
		readonly headers: Record<string, string> = {},
		/** For logs only; never sent to the client. */
		readonly detail?: string,
		readonly extra: Omit<ApiErrorBody, 'error' | 'error_description'> = {}
	) {
		super(description)
		this.name = error
	}

	toResponse(): Response {
		const body: ApiErrorBody = { error: this.error, error_description: this.description, ...this.extra }
		return Response.json(body, {
			status: this.status,
			headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...this.headers }
		})
	}
}

// RFC 6749 §5.2 (token endpoint), RFC 7009 §2.2.1 (revocation)

export class InvalidRequest extends ApiError {
	constructor(
		description = 'The request is missing a parameter or is otherwise malformed',
		detail?: string
	) {
		super(400, 'invalid_request', description, {}, detail)
	}
}

/** With `challenge` set (HTTP Basic was used), §5.2 wants 401 and a Basic challenge. */
export class InvalidClient extends ApiError {
	constructor(challenge: boolean, detail?: string) {
		super(
			401,
			'invalid_client',
			'Client authentication failed',
			challenge ? { 'www-authenticate': 'Basic realm="tessera"' } : {},
			detail
		)
	}
}

export class InvalidGrant extends ApiError {
	constructor(description = 'The grant is invalid, expired or revoked', detail?: string) {
		super(400, 'invalid_grant', description, {}, detail)
	}
}

export class UnauthorizedClient extends ApiError {
	constructor(description = 'The client is not authorized to use this grant type') {
		super(400, 'unauthorized_client', description)
	}
}

export class UnsupportedGrantType extends ApiError {
	constructor() {
		super(400, 'unsupported_grant_type', 'The grant type is not supported')
	}
}

export class InvalidScope extends ApiError {
	constructor(description = 'The requested scope is invalid, unknown or exceeds what was granted') {
		super(400, 'invalid_scope', description)
	}
}

export class UnsupportedTokenType extends ApiError {
	constructor() {
		super(400, 'unsupported_token_type', 'The token type is not supported')
	}
}

// RFC 6750 §3: errors of a protected resource, with their Bearer challenge

const REALM = 'tessera'

/** §3: a request without credentials gets a challenge with no error code. */
export class MissingToken extends ApiError {
	constructor() {
		super(401, 'unauthorized', 'An access token is required', {
			'www-authenticate': `Bearer realm="${REALM}"`
		})
	}
}

export class InvalidToken extends ApiError {
	constructor(detail?: string) {
		const description = 'The access token is invalid, expired or revoked'
		super(
			401,
			'invalid_token',
			description,
			{
				'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`
			},
			detail
		)
	}
}

/** §3.1: a malformed Authorization header. */
export class InvalidBearerRequest extends ApiError {
	constructor() {
		super(400, 'invalid_request', 'The Authorization header is malformed', {
			'www-authenticate': `Bearer realm="${REALM}", error="invalid_request"`
		})
	}
}

export class InsufficientScope extends ApiError {
	constructor(required: readonly string[], description = 'The access token lacks a required scope') {
		const scope = required.join(' ')
		super(
			403,
			'insufficient_scope',
			description,
			{
				'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", error_description="${description}", scope="${scope}"`
			},
			undefined,
			{ scope }
		)
	}
}

// General HTTP errors, same body shape (docs/contract.md: every error body is {error, error_description})

export class Forbidden extends ApiError {
	constructor(description = 'You may not do this') {
		super(403, 'forbidden', description)
	}
}

export class NotFound extends ApiError {
	constructor(description = 'Not found') {
		super(404, 'not_found', description)
	}
}

/** RFC 9110 §15.5.6: the response names the methods the path does support. */
export class MethodNotAllowed extends ApiError {
	constructor(allow: string) {
		super(405, 'method_not_allowed', `This path accepts only ${allow}`, { allow })
	}
}

export class Conflict extends ApiError {
	constructor(description: string) {
		super(409, 'conflict', description)
	}
}

/** RFC 9110 §15.5.14. */
export class PayloadTooLarge extends ApiError {
	constructor(limitBytes: number) {
		super(413, 'payload_too_large', `The request body exceeds ${limitBytes} bytes`)
	}
}

export class TooManyRequests extends ApiError {
	constructor(retryAfterSeconds: number) {
		super(429, 'too_many_requests', 'Too many failed attempts; try again later', {
			'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds)))
		})
	}
}

export class ServiceUnavailable extends ApiError {
	constructor(retryAfterSeconds: number) {
		super(503, 'temporarily_unavailable', 'The server is busy; try again shortly', {
			'retry-after': String(retryAfterSeconds)
		})
	}
}

/**
 * docs/contract.md (Running several instances): the store does not answer (refused, reset, timed
 * out): 503 with the code RFC 6749 §4.1.2.1 defines for a server that cannot answer for now, and
 * Retry-After (RFC 9110 §10.2.3). The process stays up and serves again once the store is back.
 */
export class StoreUnavailable extends ApiError {
	constructor(detail?: string) {
		super(
			503,
			'temporarily_unavailable',
			'The database is unavailable; try again shortly',
			{ 'retry-after': '1' },
			detail
		)
	}
}

/** Anything unexpected: a fixed text, never a message or a stack. */
export class ServerError extends ApiError {
	constructor() {
		super(500, 'server_error', 'The server encountered an unexpected condition')
	}
}
