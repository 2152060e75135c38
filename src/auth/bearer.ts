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
import { MissingToken } from '../errors'
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
	// (RFC 6750 §3) whatever its body; `resolve` then hands the same principal to the handler. When
	// the authenticator answers from memory nothing is awaited but what Elysia awaits itself.
	const principals = new WeakMap<Request, Principal<S>>()
	/** Checks and keeps the request's principal; a promise only when the store had to be asked. */
	const admit = (request: Request, check: (principal: Principal<S>) => void): Promise<void> | undefined => {
		// The header alone: Elysia's `headers` would build an object of every header first.
		const found = authenticator.authenticate(request.headers.get('authorization') ?? undefined)
		const keep = (principal: Principal<S>) => {
			// The request log says whom a request was for, refused or not (a no-op outside our app).
			annotatePrincipal(request, principal)
			check(principal)
			principals.set(request, principal)
		}
		if (found instanceof Promise) return found.then(keep)
		keep(found)
	}
	/**
	 * Only after `admit` has settled, so the principal is there. No `return f(` or `await` in these
	 * bodies: Elysia reads a hook's source to decide whether to await it, and there is nothing to await.
	 */
	const principalOf = (request: Request) => {
		const principal = principals.get(request)
		// Fails closed should a hook ever run without `admit` having settled first.
		if (principal === undefined) throw new MissingToken()
		return principal
	}

	return new Elysia({ name: 'tessera.bearer-auth', seed: authenticator.id }).macro({
		scope: (required: S[]) => {
			const check = (principal: Principal<S>) => requireScopes(principal, required)
			return {
				transform: ({ request }) => admit(request, check),
				resolve({ request }) {
					const principal = principalOf(request)
					return { principal }
				},
				detail: security(required)
			}
		},
		user: (required: S[]) => {
			const check = (principal: Principal<S>) => {
				requireUser(principal, required)
				requireScopes(principal, required)
			}
			return {
				transform: ({ request }) => admit(request, check),
				resolve({ request }) {
					// `check` has established that it is a user.
					const principal = principalOf(request) as UserPrincipal<S>
					const user = principal.user
					return { principal, user }
				},
				detail: security(required)
			}
		}
	})
}
