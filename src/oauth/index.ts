/**
 * @module oauth
 * The token-server plugin: token, revocation and introspection endpoints, server metadata and
 * the JWKS, as one Elysia plugin to mount in any app.
 */
import { Elysia } from 'elysia'
import type { Tessera } from '../tessera'
import { introspectionEndpoint } from './introspect'
import { metadataEndpoints } from './metadata'
import { revocationEndpoint } from './revoke'
import { tokenEndpoint } from './token'

export const tokenServer = (tessera: Tessera) =>
	new Elysia({ name: 'tessera.token-server', seed: tessera.settings.issuer })
		.use(tokenEndpoint(tessera))
		.use(revocationEndpoint(tessera))
		.use(introspectionEndpoint(tessera))
		.use(metadataEndpoints(tessera))
