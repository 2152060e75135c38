/**
 * @module admin
 * Administration, all behind the `admin` scope: users (list, disable, scopes), clients (list,
 * create, delete) and the audit trail. The work is in ./service.ts, which the CLI shares.
 */
import { Elysia } from 'elysia'
import { bearerAuth } from '../../../auth/bearer'
import { NotFound } from '../../../errors'
import { clientAddress } from '../../../http/address'
import { jsonBody } from '../../../http/json-body'
import { Keyset, PAGE_QUERY } from '../../../http/pagination'
import { boolean, integer, parameters, readQuery, readRowId, ROW_ID, text } from '../../../http/query'
import { CLIENT_ID_PATTERN } from '../../../oauth/clients'
import { errorResponses, jsonResponse } from '../../../oauth/model'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'
import { UserModel } from '../users/model'
import { AdminModel } from './model'
import { createClient, deleteClient, publicAuditEvent, publicClient, updateUser } from './service'

const USERS = new Keyset('users', 'integer')
const CLIENTS = new Keyset('clients', 'string')
const AUDIT = new Keyset('audit', 'integer')

const USERS_QUERY = {
	...PAGE_QUERY,
	username_prefix: text('Only usernames starting with this', 32),
	disabled: boolean('Only disabled (true) or enabled (false) users')
}
const AUDIT_QUERY = {
	...PAGE_QUERY,
	user_id: integer('Only events about this user', 1, Number.MAX_SAFE_INTEGER),
	type: text('Only events of this type, e.g. login.failure', 64, /^[a-z_]+\.[a-z_]+$/)
}
const CLIENT_ID = {
	description: 'The client_id',
	schema: { type: 'string', pattern: CLIENT_ID_PATTERN.source }
}

const BAD_REQUEST: [number, string] = [400, 'invalid_request: a malformed body or parameter']
/** Every admin route answers these. */
const DENIED = [401, [403, 'insufficient_scope: needs admin']] as const

export const adminModule = (tessera: Tessera<ServerScope>) =>
	new Elysia({ name: 'tessera.admin', seed: tessera.settings.issuer })
		.use(bearerAuth(tessera))
		.use(jsonBody())
		.get(
			'/admin/users',
			async ({ query }) => {
				const { username_prefix, disabled, ...rest } = readQuery(query, USERS_QUERY)
				const page = USERS.read(rest)
				const rows = await tessera.users.list({
					afterId: page.after,
					limit: page.take,
					usernamePrefix: username_prefix,
					disabled
				})
				return USERS.page(rows, page, (user) => user.id, (user) => user)
			},
			{
				scope: ['admin'],
				detail: {
					tags: ['admin'],
					summary: 'List users, oldest first',
					parameters: parameters(USERS_QUERY),
					responses: {
						200: jsonResponse('A page of users', AdminModel.usersPage),
						...errorResponses(BAD_REQUEST, ...DENIED)
					}
				}
			}
		)
		.patch(
			'/admin/users/:id',
			async ({ params, body, principal, request, server }) => {
				const user = await tessera.users.find(readRowId(params.id))
				if (!user) throw new NotFound('No such user')
				const address = clientAddress(request, server, tessera.settings.trustProxy)
				return (await updateUser(tessera, user, body, { principal, address })).user
			},
			{
				scope: ['admin'],
				parse: 'json',
				body: AdminModel.userChanges,
				detail: {
					tags: ['admin'],
					summary: 'Disable or enable a user, or set their scopes',
					description:
						'Disabling a user, or taking a scope away, ends all their sessions at once: their tokens stop working.',
					parameters: parameters({}, { id: ROW_ID }),
					responses: {
						200: jsonResponse('The changed user', UserModel.user),
						...errorResponses(BAD_REQUEST, ...DENIED, 404, 413)
					}
				}
			}
		)
		.get(
			'/admin/clients',
			async ({ query }) => {
				const page = CLIENTS.read(readQuery(query, PAGE_QUERY))
				const rows = await tessera.clients.list({ afterId: page.after, limit: page.take })
				return CLIENTS.page(rows, page, (client) => client.id, (client) => publicClient(tessera, client))
			},
			{
				scope: ['admin'],
				detail: {
					tags: ['admin'],
					summary: 'List clients by client_id (never a secret)',
					parameters: parameters(PAGE_QUERY),
					responses: {
						200: jsonResponse('A page of clients', AdminModel.clientsPage),
						...errorResponses(BAD_REQUEST, ...DENIED)
					}
				}
			}
		)
		.post(
			'/admin/clients',
			async ({ body, principal, request, server, set }) => {
				const address = clientAddress(request, server, tessera.settings.trustProxy)
				const { client, secret } = await createClient(
					tessera,
					{ ...body, id: body.client_id },
					{ principal, address }
				)
				set.status = 201
				// The secret is in this response and nowhere else: no cache may keep it.
				set.headers['cache-control'] = 'no-store'
				return { ...publicClient(tessera, client), ...(secret === null ? {} : { client_secret: secret }) }
			},
			{
				scope: ['admin'],
				parse: 'json',
				body: AdminModel.newClient,
				detail: {
					tags: ['admin'],
					summary: 'Create a client; a confidential one’s secret is shown this once',
					responses: {
						201: jsonResponse('Created', AdminModel.createdClient),
						...errorResponses(
							[400, 'invalid_request, e.g. a public client with client_credentials'],
							...DENIED,
							[409, 'The client_id is taken'],
							413
						)
					}
				}
			}
		)
		.delete(
			'/admin/clients/:client_id',
			async ({ params, principal, request, server, set }) => {
				const address = clientAddress(request, server, tessera.settings.trustProxy)
				await deleteClient(tessera, params.client_id, { principal, address })
				set.status = 204
			},
			{
				scope: ['admin'],
				detail: {
					tags: ['admin'],
					summary: 'Delete a client; its tokens stop working at once',
					parameters: parameters({}, { client_id: CLIENT_ID }),
					responses: {
						204: { description: 'Deleted' },
						...errorResponses(
							[400, 'The built-in client default cannot be deleted'],
							...DENIED,
							404
						)
					}
				}
			}
		)
		.get(
			'/admin/audit',
			async ({ query }) => {
				const { user_id, type, ...rest } = readQuery(query, AUDIT_QUERY)
				const page = AUDIT.read(rest)
				const rows = await tessera.audit.list({
					beforeId: page.after,
					limit: page.take,
					userId: user_id,
					type
				})
				return AUDIT.page(rows, page, (event) => event.id, publicAuditEvent)
			},
			{
				scope: ['admin'],
				detail: {
					tags: ['admin'],
					summary: 'Audit events, newest first',
					parameters: parameters(AUDIT_QUERY),
					responses: {
						200: jsonResponse('A page of audit events', AdminModel.auditPage),
						...errorResponses(BAD_REQUEST, ...DENIED)
					}
				}
			}
		)
