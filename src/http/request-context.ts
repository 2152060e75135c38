/**
 * @module http/request-context
 * What the request log line says about one request beyond its method, path and status: its id,
 * when it arrived, and who it was for (client_id, sub) once a handler knows. Kept per Request in
 * a WeakMap, so nothing outlives the request and code that mounts our plugins without our app
 * (no context) annotates nothing.
 */

export interface RequestFields {
	client_id?: string
	sub?: string
}

export interface RequestContext extends RequestFields {
	/** Echoed in the X-Request-Id response header and logged as request_id. */
	readonly id: string
	/** performance.now() at arrival. */
	readonly started: number
}

const contexts = new WeakMap<Request, RequestContext>()

/**
 * An incoming id is kept only if it is plainly an id: it is echoed in a response header and
 * written to the log, so no spaces, quotes, CR/LF or anything a log or header parser could trip on.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function beginRequest(request: Request): RequestContext {
	const incoming = request.headers.get('x-request-id')
	const context: RequestContext = {
		id: incoming !== null && WELL_FORMED_ID.test(incoming) ? incoming : crypto.randomUUID(),
		started: performance.now(),
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
