/**
 * @module oauth/metadata
 * GET /.well-known/oauth-authorization-server (RFC 8414) and GET /.well-known/jwks.json (RFC 7517).
 * Both are built from the same config and key store the tokens come from, so they agree.
 */
import { Elysia, t } from 'elysia'
import type { Tessera } from '../tessera'
import { GRANT_TYPES } from './clients'
import { jsonResponse } from './model'
import type { Settings } from '../options'

/** Short enough that a rotation's new key is seen soon; verifiers refetch on an unknown kid anyway. */
const JWKS_MAX_AGE_SECONDS = 300

export function serverMetadata({ issuer, scopes, serviceDocumentation }: Settings) {
	const clientAuth = ['client_secret_basic', 'client_secret_post']
	return {
		issuer,
		token_endpoint: `${issuer}/oauth/token`,
		revocation_endpoint: `${issuer}/oauth/revoke`,
		introspection_endpoint: `${issuer}/oauth/introspect`,
		jwks_uri: `${issuer}/.well-known/jwks.json`,
		// §2: the default is authorization_code, which we do not have, so the list must be given.
		grant_types_supported: [...GRANT_TYPES],
		// `none`: public clients such as `default` identify themselves without a secret.
		token_endpoint_auth_methods_supported: [...clientAuth, 'none'],
		revocation_endpoint_auth_methods_supported: [...clientAuth, 'none'],
		introspection_endpoint_auth_methods_supported: clientAuth,
		scopes_supported: [...scopes.names],
		/** Not registered in RFC 8414; §2 allows additional metadata. */
		scope_descriptions: { ...scopes.descriptions },
		...(serviceDocumentation === null ? {} : { service_documentation: serviceDocumentation })
		// No authorization endpoint, so response_types_supported is omitted (§3.2: no empty lists).
	}
}

const Strings = t.Array(t.String())
const ServerMetadata = t.Object({
	issuer: t.String(),
	token_endpoint: t.String(),
	revocation_endpoint: t.String(),
	introspection_endpoint: t.String(),
	jwks_uri: t.String(),
	grant_types_supported: Strings,
	token_endpoint_auth_methods_supported: Strings,
	revocation_endpoint_auth_methods_supported: Strings,
	introspection_endpoint_auth_methods_supported: Strings,
	scopes_supported: Strings,
	scope_descriptions: t.Record(t.String(), t.String()),
	service_documentation: t.Optional(t.String())
})

const Jwks = t.Object({
	keys: t.Array(
		t.Object(
			{ kid: t.String(), kty: t.String(), alg: t.String(), use: t.Literal('sig') },
			{ additionalProperties: true }
		)
	)
})

export const metadataEndpoints = (tessera: Pick<Tessera, 'settings' | 'keys'>) => {
	const { issuer } = tessera.settings
	const metadata = serverMetadata(tessera.settings)
	// §3.1: for an issuer with a path, the well-known suffix goes between host and path.
	const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '')
	const detail = {
		tags: ['oauth'],
		summary: 'Authorization server metadata (RFC 8414)',
		responses: { 200: jsonResponse('The metadata (RFC 8414 §3.2)', ServerMetadata) }
	}
	const app = new Elysia({ name: 'tessera.metadata', seed: issuer })
		.get('/.well-known/oauth-authorization-server', () => metadata, { detail })
		.get(
			'/.well-known/jwks.json',
			({ set }) => {
				set.headers['cache-control'] = `public, max-age=${JWKS_MAX_AGE_SECONDS}`
				return tessera.keys.jwks()
			},
			{
				response: { 200: Jwks },
				detail: {
					tags: ['oauth'],
					summary: 'Public keys of the access tokens (RFC 7517); empty in HS256 mode',
					responses: { 200: jsonResponse('A JWK Set (RFC 7517 §5)', Jwks) }
				}
			}
		)
	return issuerPath === ''
		? app
		: app.get(`/.well-known/oauth-authorization-server${issuerPath}`, () => metadata, {
				detail: { ...detail, hide: true }
			})
}
