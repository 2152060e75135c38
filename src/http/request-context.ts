/**
 * @module http/request-context
 * What the request log line says about one request beyond its method, path and status: its id,
 * from where, and who it was for (client_id, sub) once a handler knows. Kept per
 * Request in a WeakMap, so nothing outlives the request, and code that mounts our plugins without
 * our app, or a request whose line the log level drops (no context), annotates nothing.
 */

export interface RequestFields {
	client_id?: string
	sub?: string
}

export interface RequestContext extends RequestFields {
	/** Echoed in the X-Request-Id response header and logged as request_id. */
	readonly id: string
	/**
	 * The client's address (src/http/address.ts), taken at arrival: Bun forgets it after the
	 * response. Handlers that need it too read it from here rather than ask the socket again.
	 */
	readonly address: string | null
}

const contexts = new WeakMap<Request, RequestContext>()

/**
 * An incoming id is kept only if it is plainly an id: it is echoed in a response header and
 * written to the log, so no spaces, quotes, CR/LF or anything a log or header parser could trip on.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's id: a well-formed incoming `X-Request-Id`, else a new one. */
export function requestId(request: Request): string {
	const incoming = request.headers.get('x-request-id')
	return incoming !== null && WELL_FORMED_ID.test(incoming) ? incoming : crypto.randomUUID()
}

/** Only for a request whose log line will be written: a dropped line needs none of this. */
export function beginRequest(request: Request, id: string, address: string | null): RequestContext {
	const context: RequestContext = {
		id,
		address,
		// Declared up front so every context has the same shape.
		client_id: undefined,
		sub: undefined
	}
	contexts.set(request, context)
	return context
}

export function requestContext(request: Request): RequestContext | undefined {
	return contexts.get(request)
}

/** Says who a request was for, for its log line. */
export function annotate(request: Request, fields: RequestFields) {
	const context = contexts.get(request)
	if (context === undefined) return
	if (fields.client_id !== undefined) context.client_id = fields.client_id
	if (fields.sub !== undefined) context.sub = fields.sub
}

/**
 * For the bearer plugin: the request was made with a token for this client and subject. RFC 9068
 * §2.2: `sub` is the user, or the client itself for client_credentials. Returns the principal.
 */
export function annotatePrincipal<P extends { clientId: string; user: { id: number } | null }>(
	request: Request,
	principal: P
): P {
	const context = contexts.get(request)
	if (context !== undefined) {
		context.client_id = principal.clientId
		context.sub = principal.user === null ? principal.clientId : String(principal.user.id)
	}
	return principal
}
