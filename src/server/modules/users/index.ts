/**
 * @module users
 * POST /users, GET /users/me, PUT /users/me/password.
 */
import { Elysia } from 'elysia'
import { checkPasswordLength } from '../../../accounts'
import { bearerAuth } from '../../../auth/bearer'
import { requireScopes } from '../../../auth/principal'
import type { Config } from '../../config'
import { InvalidRequest } from '../../../errors'
import { clientAddress } from '../../../http/address'
import { jsonBody } from '../../../http/json-body'
import { errorResponses, jsonResponse } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'
import { endedSessions } from '../admin/service'
import { UserModel } from './model'
import { REGISTERED_USER_SCOPES } from './service'

export const usersModule = (
	tessera: Tessera<ServerScope>,
	{ registration }: Pick<Config, 'registration'>
) => {
	const open = registration === 'open'
	return new Elysia({ name: 'tessera.users', seed: tessera.settings.issuer })
		.use(bearerAuth(tessera))
		.use(jsonBody())
		.post(
			'/users',
			async ({ body, request, server, set }) => {
				const address = clientAddress(request, server, tessera.settings.trustProxy)
				if (open) await tessera.throttle.admitRegistration(address)
				const user = await tessera.users.create({
					username: body.username,
					password: body.password,
					email: body.email,
					full_name: body.full_name,
					scopes: [...REGISTERED_USER_SCOPES]
				})
				await tessera.audit.record('user.created', { userId: user.id, address })
				set.status = 201
				set.headers.location = '/users/me'
				return user
			},
			{
				// REGISTRATION=closed: only an admin may create users; checked before the body, as the
				// `scope` route option would (RFC 6750 §3: 401 first).
				async transform({ headers }) {
					if (!open)
						requireScopes(await tessera.authenticator.authenticate(headers.authorization), [
							'admin'
						])
				},
				parse: 'json',
				body: UserModel.registration,
				response: { 201: UserModel.user },
				detail: {
					tags: ['users'],
					summary: 'Register a user',
					description: open
						? 'Open registration (REGISTRATION=open).'
						: 'Closed registration: needs a bearer token with `admin`.',
					...(open ? {} : { security: [{ oauth2: ['admin'] }] }),
					responses: {
						201: jsonResponse('The new user', UserModel.user),
						...errorResponses(
							[400, 'invalid_request: a malformed body or a weak password'],
							401,
							403,
							409,
							[429, 'too_many_requests: too many registrations from this address'],
							413,
							503
						)
					}
				}
			}
		)
		// No `response` schema: the account is built field by field by the core (never a row), and
		// validating it again cost about 15 µs a request, half of this route (bench/in-process.ts);
		// the document still describes it (detail.responses).
		.get('/users/me', ({ user }) => user, {
			user: ['profile'],
			detail: {
				tags: ['users'],
				summary: 'The current user',
				responses: {
					200: jsonResponse('The current user', UserModel.user),
					...errorResponses(401, 403)
				}
			}
		})
		.put(
			'/users/me/password',
			async ({ body, user, principal, request, server, set }) => {
				checkPasswordLength(body.new_password, 'new_password')
				const address = clientAddress(request, server, tessera.settings.trustProxy)
				// Through the login throttle: a stolen access token buys no unlimited guesses.
				const verdict = await tessera.users.verifyPassword(
					{
						username: user.username,
						password: body.current_password,
						address,
						clientId: principal.clientId,
						sessionId: principal.session.id
					},
					'user.password_change_failed'
				)
				if (!verdict.ok) throw new InvalidRequest('The current password is wrong')
				await tessera.users.setPassword(user.id, body.new_password)
				// RFC 9700 §4.14.2: a password change ends every other session.
				const ended = await tessera.sessions.endAllForUser(
					user.id,
					'password_changed',
					principal.session.id
				)
				await tessera.audit.record('user.password_changed', {
					userId: user.id,
					sessionId: principal.session.id,
					clientId: principal.clientId,
					address,
					detail: { ...endedSessions(ended) }
				})
				set.status = 204
			},
			{
				user: ['profile'],
				parse: 'json',
				body: UserModel.passwordChange,
				detail: {
					tags: ['users'],
					summary: 'Change your password; ends every other session',
					responses: {
						204: { description: 'Changed' },
						...errorResponses(
							[
								400,
								'invalid_request: a malformed body, a weak new password or a wrong current one'
							],
							401,
							403,
							413,
							503
						)
					}
				}
			}
		)
}
