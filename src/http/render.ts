/**
 * @module http/render
 * Raise anywhere, render here: every failure becomes an ApiError. RFC errors pass as they are
 * (also when thrown by a body parser, which Elysia wraps in a ParseError), Elysia's own failures
 * become 400/404, anything else a bare 500 with a fixed text — never a message or a stack.
 */
import type { ValidationError } from 'elysia'
import { ApiError, InvalidRequest, NotFound, ServerError } from '../errors'
import { printable } from '../oauth/form'

export function toApiError(code: string | number, error: unknown): ApiError {
	if (error instanceof ApiError) return error
	switch (code) {
		case 'VALIDATION': {
			// Only the schema speaks here (path, expected type, allowed values), never the value:
			// Elysia's own `message` holds the whole rejected value, in every mode.
			const { type, valueError } = error as ValidationError
			const where = valueError?.path ? ` at ${valueError.path}` : ''
			// An enum's own message is "Expected kind 'UnionEnum'"; the allowed values say more.
			const allowed: unknown = valueError?.schema.enum
			const problem = Array.isArray(allowed)
				? `Expected one of ${allowed.join(', ')}`
				: (valueError?.message ?? 'does not match the schema')
			return new InvalidRequest(printable(`Invalid ${type}${where}: ${problem}`, 200))
		}
		case 'PARSE': {
			const cause = (error as Error).cause
			return cause instanceof ApiError
				? cause
				: new InvalidRequest('The request body could not be parsed')
		}
		case 'NOT_FOUND':
			return new NotFound()
		case 'INVALID_COOKIE_SIGNATURE':
		case 'INVALID_FILE_TYPE':
			return new InvalidRequest()
		default:
			return new ServerError()
	}
}

/** An onError hook for plugins, so they answer RFC-shaped errors even in a host app without ours. */
export function renderError({
	code,
	error,
	set
}: {
	code: string | number
	error: unknown
	set: { status?: number | string }
}) {
	const failure = toApiError(code, error)
	set.status = failure.status
	return failure.toResponse()
}
