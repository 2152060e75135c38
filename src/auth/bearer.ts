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
import { annotatePrincipal } from '../http/request-context'
import { SECURITY_SCHEME_NAME } from '../oauth/security-scheme'
import {
	requireScopes,
	requireUser,
	type Authenticator,
	type Principal,
	type UserPrincipal
} from './principal'

/** The OpenAPI security requirement a protected route carries (the padlock in Swagger UI). */
const security = (scopes: readonly string[]) => ({ security: [{ [SECURITY_SCHEME_NAME]: [...scopes] }] })

/** Takes only what it uses: the authenticator of a Tessera instance (or the instance itself). */
export const bearerAuth = <S extends string>({ authenticator }: { authenticator: Authenticator<S> }) => {
	// Authentication runs in `transform`, before body validation, so an anonymous caller gets its 401
	// (RFC 6750 §3) whatever its body; `resolve` then hands the same principal to the handler. The
	// check stays synchronous when the authenticator answers from memory.
	const principals = new WeakMap<Request, Principal<S> | Promise<Principal<S>>>()
	const authenticate = (request: Request) => {
		let principal = principals.get(request)
		if (principal === undefined) {
			// The header alone: Elysia's `headers` would build an object of every header first.
			principal = authenticator.authenticate(request.headers.get('authorization') ?? undefined)
			// The request log says whom a request was for (a no-op outside the server app).
			principal =
				principal instanceof Promise
					? principal.then((found) => annotatePrincipal(request, found))
					: annotatePrincipal(request, principal)
			principals.set(request, principal)
		}
		return principal
	}
	const principalOf = (request: Request) => principals.get(request)!

	return new Elysia({ name: 'tessera.bearer-auth', seed: authenticator.id }).macro({
		scope: (required: S[]) => ({
			transform({ request }) {
				const principal = authenticate(request)
				if (principal instanceof Promise) return principal.then((found) => requireScopes(found, required))
				requireScopes(principal, required)
			},
			async resolve({ request }) {
				return { principal: await principalOf(request) }
			},
			detail: security(required)
		}),
		user: (required: S[]) => {
			const check = (principal: Principal<S>) => {
				requireUser(principal, required)
				requireScopes(principal, required)
			}
			// `transform` has established that it is a user.
			const asUser = (principal: Principal<S>) => ({ principal: principal as UserPrincipal<S>, user: (principal as UserPrincipal<S>).user })
			return {
				transform({ request }) {
					const principal = authenticate(request)
					if (principal instanceof Promise) return principal.then(check)
					check(principal)
				},
				async resolve({ request }) {
					return asUser(await principalOf(request))
				},
				detail: security(required)
			}
		}
	})
}
