/**
 * @module auth/bearer
 * The bearer-auth plugin (RFC 6750). Mount it in any Elysia app, then protect a route with a
 * route option:
 *
 *     app.use(bearerAuth(tessera))
 *        .get('/me', ({ user }) => user.username, { user: ['profile'] })
 *        .get('/stats', ({ principal }) => principal.clientId, { scope: ['admin'] })
 *
 * `scope` admits any principal holding the scopes (a user, or a client_credentials client);
 * `user` also requires a user and hands the handler a non-null `user`. The work happens in the
 * macro's resolve, so public routes never pay for token verification. Failures are ApiErrors,
 * which render themselves with the RFC 6750 §3 challenge, in our app or in yours.
 */
import { Elysia } from 'elysia'
import type { Scope } from '../oauth/scope'
import type { Tessera } from '../tessera'
import { requireScopes, requireUser } from './principal'

/** The OpenAPI security requirement a protected route carries (the padlock in Swagger UI). */
const security = (scopes: readonly Scope[]) => ({ security: [{ oauth2: [...scopes] }] })

export const bearerAuth = (tessera: Tessera) =>
	new Elysia({ name: 'tessera.bearer-auth', seed: tessera.config.issuer }).macro({
		scope: (required: Scope[]) => ({
			async resolve({ headers }) {
				const principal = await tessera.authenticator.authenticate(headers.authorization)
				requireScopes(principal, required)
				return { principal }
			},
			detail: security(required)
		}),
		user: (required: Scope[]) => ({
			async resolve({ headers }) {
				const principal = await tessera.authenticator.authenticate(headers.authorization)
				requireUser(principal, required)
				requireScopes(principal, required)
				return { principal, user: principal.user }
			},
			detail: security(required)
		})
	})
