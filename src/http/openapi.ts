/**
 * @module http/openapi
 * TypeBox schemas as OpenAPI 3.0.3 schemas, the version @elysiajs/swagger declares. TypeBox
 * writes JSON Schema 2020-12, which 3.0 code generators reject or misread in a few places, so
 * those are translated here, once, for every documented route.
 *
 * A named schema (`$id: '#/components/schemas/<Name>'`) stays where it is used, marked with its
 * name; `hoistComponents` moves each into `components.schemas` of the document being served and
 * leaves a `$ref` behind. So nothing is collected across instances: each document finds its own.
 */

const COMPONENT_PREFIX = '#/components/schemas/'
/** Where a named schema carries its name until its document hoists it. */
const COMPONENT_MARK = 'x-tessera-component'

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
	if (typeof $id === 'string' && $id.startsWith(COMPONENT_PREFIX))
		return { ...(toOpenApiSchema(rest) as Json), [COMPONENT_MARK]: $id.slice(COMPONENT_PREFIX.length) }
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

/** A copy of an OpenAPI document with every marked schema under `components.schemas`, `$ref`s in its places. */
export function hoistComponents<D extends Json>(document: D): D {
	const components: Json = {}
	const hoist = (value: unknown): unknown => {
		if (Array.isArray(value)) return value.map(hoist)
		if (!isObject(value)) return value
		const { [COMPONENT_MARK]: name, ...rest } = value
		const out: Json = {}
		for (const [key, inner] of Object.entries(rest)) out[key] = hoist(inner)
		if (typeof name !== 'string') return out
		components[name] = out
		return { $ref: `${COMPONENT_PREFIX}${name}` }
	}
	const hoisted = hoist(document) as D & { components?: Json & { schemas?: Json } }
	return {
		...hoisted,
		components: { ...hoisted.components, schemas: { ...hoisted.components?.schemas, ...components } }
	}
}
