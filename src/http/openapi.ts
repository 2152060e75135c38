/**
 * @module docs/openapi
 * TypeBox schemas as OpenAPI 3.0.3 schemas, the version @elysiajs/swagger declares. TypeBox
 * writes JSON Schema 2020-12, which 3.0 code generators reject or misread in a few places, so
 * those are translated here, once, for every documented route.
 */

const COMPONENT_PREFIX = '#/components/schemas/'

/**
 * Every named schema (one with `$id: '#/components/schemas/<Name>'`) met while documenting the
 * routes. docs/swagger.ts publishes this object as `components.schemas`; the document is built
 * when it is requested, after every module has described its routes.
 */
export const componentSchemas: Record<string, unknown> = {}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value)

/** Elysia's coercing t.Integer / t.Numeric: a numeric string or the number itself. */
const isNumericString = (schema: unknown) =>
	isObject(schema) &&
	schema.type === 'string' &&
	(schema.format === 'integer' || schema.format === 'numeric')

export function toOpenApiSchema(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(toOpenApiSchema)
	if (!isObject(schema)) return schema
	const { $id, anyOf, const: constant, examples, patternProperties, ...rest } = schema
	// A named schema is declared once under components and referenced wherever it is used.
	if (typeof $id === 'string' && $id.startsWith(COMPONENT_PREFIX)) {
		componentSchemas[$id.slice(COMPONENT_PREFIX.length)] = toOpenApiSchema(rest)
		return { $ref: $id }
	}
	if (Array.isArray(anyOf) && anyOf.length === 2) {
		const [first, second] = anyOf as [unknown, unknown]
		// 3.0 has no `type: 'null'`; t.Nullable(x) becomes x with `nullable: true`.
		const nullIndex = [first, second].findIndex((s) => isObject(s) && s.type === 'null')
		if (nullIndex !== -1) {
			const other = toOpenApiSchema(nullIndex === 0 ? second : first)
			return isObject(other) && !('$ref' in other)
				? { ...(toOpenApiSchema(rest) as Json), ...other, nullable: true }
				: { ...(toOpenApiSchema(rest) as Json), allOf: [other], nullable: true }
		}
		// The document shows the number a coercing schema stands for, not the string it also accepts.
		if (isNumericString(first)) return toOpenApiSchema({ ...rest, ...(second as Json) })
	}
	const out: Json = {}
	for (const [key, value] of Object.entries(rest)) out[key] = toOpenApiSchema(value)
	if (anyOf !== undefined) out.anyOf = toOpenApiSchema(anyOf)
	// t.Record(t.String(), x) matches every key with a pattern; 3.0 only knows additionalProperties.
	if (isObject(patternProperties)) {
		const [value] = Object.values(patternProperties)
		out.additionalProperties =
			isObject(value) && Object.keys(value).length > 0 ? toOpenApiSchema(value) : true
	}
	// 3.0 has neither `const` nor `examples`.
	if (constant !== undefined) out.enum = [constant]
	if (Array.isArray(examples) && examples.length > 0) out.example = examples[0]
	return out
}
