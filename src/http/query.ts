/**
 * @module http/query
 * Query-string and path parameters, read strictly and described for OpenAPI from one definition.
 * Elysia's own coercion accepts ` 1e1` as 10 and answers a bad value with "Expected union value"
 * at "root"; these readers take plain decimal digits only and name the parameter in the 400.
 */
import { InvalidRequest, NotFound } from '../errors'

/** What OpenAPI shows of a parameter. */
export interface ParamDoc {
	readonly description: string
	readonly schema: Readonly<Record<string, unknown>>
}

/** A query parameter: its documentation and its reader. */
export interface Param<T> extends ParamDoc {
	read(raw: string, name: string): T
}

type Values<P extends Record<string, Param<unknown>>> = {
	[K in keyof P]?: P[K] extends Param<infer T> ? T : never
}

/** At most 16 digits, so no value reaches a float before the range check. */
const DIGITS = /^[0-9]{1,16}$/

export const integer = (description: string, minimum: number, maximum: number): Param<number> => ({
	description,
	schema: { type: 'integer', minimum, maximum },
	read(raw, name) {
		const n = DIGITS.test(raw) ? Number(raw) : Number.NaN
		if (!(n >= minimum && n <= maximum))
			throw new InvalidRequest(`The parameter ${name} must be an integer from ${minimum} to ${maximum}`)
		return n
	}
})

export const boolean = (description: string): Param<boolean> => ({
	description,
	schema: { type: 'boolean' },
	read(raw, name) {
		if (raw === 'true') return true
		if (raw === 'false') return false
		throw new InvalidRequest(`The parameter ${name} must be true or false`)
	}
})

export const text = (description: string, maxLength: number, pattern?: RegExp): Param<string> => ({
	description,
	schema: { type: 'string', maxLength, ...(pattern ? { pattern: pattern.source } : {}) },
	read(raw, name) {
		if (raw.length > maxLength || (pattern && !pattern.test(raw)))
			throw new InvalidRequest(`The parameter ${name} is malformed or too long`)
		return raw
	}
})

/** Reads the declared parameters of a query; absent and empty ones are undefined, others are ignored. */
export function readQuery<P extends Record<string, Param<unknown>>>(
	query: Record<string, string | undefined>,
	params: P
): Values<P> {
	const values: Record<string, unknown> = {}
	for (const [name, param] of Object.entries(params)) {
		const raw = Object.hasOwn(query, name) ? query[name] : undefined
		if (raw !== undefined && raw !== '') values[name] = param.read(raw, name)
	}
	return values as Values<P>
}

/** The OpenAPI `parameters` of a route: its path parameters, then its query parameters. */
export function parameters(query: Record<string, ParamDoc>, path: Record<string, ParamDoc> = {}) {
	const describe = (where: 'path' | 'query', params: Record<string, ParamDoc>) =>
		Object.entries(params).map(([name, { description, schema }]) => ({
			name,
			in: where,
			required: where === 'path',
			description,
			schema: schema as Record<string, never>
		}))
	return [...describe('path', path), ...describe('query', query)]
}

/** A row id in a path: 1 to 2^53 − 1. Anything else names no row, so it is a 404, never a 500. */
export const ROW_ID = {
	description: 'The id',
	schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }
} as const satisfies ParamDoc

export function readRowId(raw: string): number {
	const n = DIGITS.test(raw) ? Number(raw) : 0
	if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER)) throw new NotFound()
	return n
}
