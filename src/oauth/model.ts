/**
 * @module oauth/model
 * Schemas of the OAuth endpoints, for the OpenAPI document. The endpoints parse their own bodies
 * (oauth/form.ts) because RFC 6749 §3.2 rules (no repeats, empty = omitted) are not schema rules.
 */
import { t, type TSchema } from 'elysia'
import { toOpenApiSchema } from '../http/openapi'

export const ErrorBody = t.Object(
	{
		error: t.String({ description: 'RFC 6749 §5.2 / RFC 6750 §3.1 error code' }),
		error_description: t.String(),
		scope: t.Optional(t.String({ description: 'The scope required (insufficient_scope only)' }))
	},
	{ $id: '#/components/schemas/Error', title: 'Error' }
)

export const TokenRequest = t.Object({
	grant_type: t.Union([t.Literal('password'), t.Literal('refresh_token'), t.Literal('client_credentials')]),
	username: t.Optional(t.String({ description: 'password grant' })),
	password: t.Optional(t.String({ description: 'password grant' })),
	refresh_token: t.Optional(t.String({ description: 'refresh_token grant' })),
	scope: t.Optional(t.String({ description: 'space-separated scopes', examples: ['profile posts:read'] })),
	client_id: t.Optional(t.String({ description: 'client_secret_post, or a public client naming itself' })),
	client_secret: t.Optional(t.String({ description: 'client_secret_post' }))
})

/** RFC 7009 §2.1 and RFC 7662 §2.1 share their parameters. */
export const TokenRevocationRequest = t.Object({
	token: t.String(),
	token_type_hint: t.Optional(t.Union([t.Literal('access_token'), t.Literal('refresh_token')])),
	client_id: t.Optional(t.String()),
	client_secret: t.Optional(t.String())
})

export const IntrospectionResponse = t.Object({
	active: t.Boolean(),
	scope: t.Optional(t.String()),
	client_id: t.Optional(t.String()),
	username: t.Optional(t.String()),
	token_type: t.Optional(t.String()),
	exp: t.Optional(t.Integer()),
	iat: t.Optional(t.Integer()),
	sub: t.Optional(t.String()),
	aud: t.Optional(t.String()),
	iss: t.Optional(t.String()),
	jti: t.Optional(t.String())
})

export const TokenResponseBody = t.Object({
	access_token: t.String(),
	token_type: t.Literal('Bearer'),
	expires_in: t.Integer(),
	refresh_token: t.Optional(t.String()),
	scope: t.String()
})

/**
 * A route schema in type only. Elysia types a route, for its handler and for typed clients such as
 * Eden, from its `body` and `response` options; at run time this one is absent (undefined), so
 * the route behaves as without it. The OAuth endpoints parse and check their own parameters
 * (form.ts, with RFC 6749's error codes, which a schema check would preempt), and their OpenAPI
 * request body is the documented form in `detail` (@elysiajs/swagger would replace it with a
 * body schema's, under the wrong media types).
 */
export const typeOnly = <T extends TSchema>(_schema: T): T => undefined as unknown as T

/** An OAuth endpoint's responses in type only (see typeOnly): `ok` for 200, the error body for each error status. */
export const responseTypes = <T extends TSchema, const N extends number>(_ok: T, ..._errors: N[]) =>
	undefined as unknown as { 200: T } & { [status in N]: typeof ErrorBody }

/**
 * TypeBox schemas are JSON Schemas; docs/openapi.ts turns them into OpenAPI 3.0 ones (named
 * schemas become $refs). Their TypeScript types differ from openapi-types' in details
 * (exclusiveMaximum), so documentation-only uses go through this one cast.
 */
type OpenApiSchema = Record<string, never>
const asOpenApi = (schema: TSchema) => toOpenApiSchema(schema) as OpenApiSchema

export const jsonContent = (schema: TSchema) => ({ 'application/json': { schema: asOpenApi(schema) } })

/** A documented JSON response. */
export const jsonResponse = (description: string, schema: TSchema) => ({
	description,
	content: jsonContent(schema)
})

/** An OpenAPI requestBody for a form-encoded endpoint (RFC 6749 §3.2), JSON accepted too. */
export function formRequestBody(schema: TSchema) {
	return {
		required: true,
		content: {
			'application/x-www-form-urlencoded': { schema: asOpenApi(schema) },
			...jsonContent(schema)
		}
	}
}

/** Error responses by status; `[status, description]` says what that status means on this route. */
export const errorResponses = (...statuses: Array<number | readonly [number, string]>) =>
	Object.fromEntries(
		statuses.map((entry) => {
			const [status, description] =
				typeof entry === 'number' ? [entry, ERROR_DESCRIPTIONS[entry]] : entry
			return [status, jsonResponse(description ?? 'Error', ErrorBody)]
		})
	)

const ERROR_DESCRIPTIONS: Record<number, string> = {
	400: 'invalid_request, invalid_grant, invalid_scope, unauthorized_client, unsupported_grant_type',
	401: 'Missing or invalid credentials',
	403: 'insufficient_scope, or a disabled user',
	404: 'Not found',
	409: 'Conflict',
	413: 'Body too large',
	429: 'too_many_requests: throttled (see Retry-After)',
	503: 'Argon2 queue full (see Retry-After)'
}
