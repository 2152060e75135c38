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
 * macro's hooks, so public routes never pay for token verification. Failures are ApiErrors,
 * which render themselves with the RFC 6750 §3 challenge, in our app or in yours.
 */
import { Elysia } from 'elysia'
import type { Scope } from '../oauth/scope'
import type { Tessera } from '../tessera'
import { requireScopes, requireUser, type Principal, type UserPrincipal } from './principal'
import { annotatePrincipal } from '../http/request-context'

/** The OpenAPI security requirement a protected route carries (the padlock in Swagger UI). */
const security = (scopes: readonly Scope[]) => ({ security: [{ oauth2: [...scopes] }] })

export const bearerAuth = (tessera: Tessera) => {
	// Authentication runs in `transform`, before body validation, so an anonymous caller gets its 401
	// (RFC 6750 §3) whatever its body; `resolve` then hands the same principal to the handler.
	const principals = new WeakMap<Request, Promise<Principal>>()
	const authenticate = (request: Request, authorization: string | undefined) => {
		let principal = principals.get(request)
		if (!principal)
			principals.set(
				request,
				(principal = tessera.authenticator
					.authenticate(authorization)
					.then((found) => annotatePrincipal(request, found)))
			)
		return principal
	}

	return new Elysia({ name: 'tessera.bearer-auth', seed: tessera.config.issuer }).macro({
		scope: (required: Scope[]) => ({
			async transform({ request, headers }) {
				requireScopes(await authenticate(request, headers.authorization), required)
			},
			async resolve({ request, headers }) {
				return { principal: await authenticate(request, headers.authorization) }
			},
			detail: security(required)
		}),
		user: (required: Scope[]) => ({
			async transform({ request, headers }) {
				const principal = await authenticate(request, headers.authorization)
				requireUser(principal, required)
				requireScopes(principal, required)
			},
			async resolve({ request, headers }) {
				// `transform` has established that it is a user.
				const principal = (await authenticate(request, headers.authorization)) as UserPrincipal
				return { principal, user: principal.user }
			},
			detail: security(required)
		})
	})
}
