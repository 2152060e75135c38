/**
 * @module cli/clients
 * `clients add | list | delete`.
 */
import { createClient, deleteClient, publicClient } from '../modules/admin/service'
import { GRANT_TYPES, type GrantType } from '../../oauth/clients'
import { SERVER_CATALOG, type ServerScope as Scope } from '../scopes'
import { listOption, readAll, table, UsageError, type Command, type CommandGroup } from './command'

const DEFAULT_GRANTS: GrantType[] = ['password', 'refresh_token']
/** Like demo-app: everything a first-party app needs, but not `admin`. */
const DEFAULT_SCOPES: Scope[] = SERVER_CATALOG.names.filter((scope) => scope !== 'admin')

function readGrants(value: string | boolean | undefined): GrantType[] {
	if (typeof value !== 'string') return DEFAULT_GRANTS
	const grants = listOption(value)
	const unknown = grants.find((grant) => !(GRANT_TYPES as readonly string[]).includes(grant))
	if (unknown !== undefined || grants.length === 0)
		throw new UsageError(`--grants takes grant types from: ${GRANT_TYPES.join(' ')}`)
	return grants as GrantType[]
}

function readScopes(value: string | boolean | undefined): Scope[] {
	if (typeof value !== 'string') return DEFAULT_SCOPES
	try {
		return SERVER_CATALOG.parse(listOption(value).join(' ')) ?? []
	} catch {
		throw new UsageError(`--scopes takes scopes from the catalog: ${SERVER_CATALOG.names.join(' ')}`)
	}
}

const add: Command = {
	summary: 'Create a client; a confidential client’s secret is printed this once',
	args: ['client_id'],
	options: {
		confidential: {
			type: 'boolean',
			description: 'Give the client a secret (needed for client_credentials)'
		},
		grants: {
			type: 'string',
			value: '"<grants>"',
			description: `Grant types (default "${DEFAULT_GRANTS.join(' ')}"; from ${GRANT_TYPES.join(' ')})`
		},
		scopes: {
			type: 'string',
			value: '"<scopes>"',
			description: `Scopes it may obtain (default "${DEFAULT_SCOPES.join(' ')}")`
		},
		name: { type: 'string', value: '"<name>"', description: 'A name for people' }
	},
	notes: [
		'The password grant is legacy (RFC 9700 §2.4): give it only to your own, first-party apps.',
		'A public client (no --confidential) may not use client_credentials.'
	],
	async run({ args, options, tessera }) {
		const grants = readGrants(options.grants)
		const scopes = readScopes(options.scopes)
		const services = await tessera()
		const { client, secret } = await createClient(
			services,
			{
				id: args.client_id!,
				name: options.name as string | undefined,
				confidential: options.confidential === true,
				grants,
				scopes
			},
			'cli'
		)
		const shown = publicClient(services, client)
		const kind = shown.confidential ? 'confidential' : 'public'
		const summary = `created ${kind} client ${client.id}; grants: ${shown.grants.join(' ')}; scopes: ${SERVER_CATALOG.format(scopes)}`
		return {
			data: { ...shown, ...(secret === null ? {} : { client_secret: secret }) },
			text:
				secret === null
					? summary
					: `${summary}\nclient_secret: ${secret}\nKeep the secret now: it is stored hashed and never shown again.`
		}
	}
}

const list: Command = {
	summary: 'List all clients (never a secret)',
	args: [],
	options: {},
	async run({ tessera }) {
		const services = await tessera()
		const clients = (
			await readAll(
				(afterId: string | undefined, limit) => services.clients.list({ afterId, limit }),
				(client) => client.id
			)
		).map((client) => publicClient(services, client))
		return {
			data: clients,
			text: table(
				['CLIENT_ID', 'TYPE', 'GRANTS', 'SCOPES', 'NAME'],
				clients.map((c) => [
					c.client_id,
					c.confidential ? 'confidential' : 'public',
					c.grants.join(' '),
					c.scopes.join(' '),
					c.name
				])
			)
		}
	}
}

const remove: Command = {
	summary: 'Delete a client; its tokens stop working at once',
	args: ['client_id'],
	options: {},
	async run({ args, tessera }) {
		await deleteClient(await tessera(), args.client_id!, 'cli')
		return { data: { deleted: args.client_id }, text: `deleted client ${args.client_id}` }
	}
}

export const clientsCommands: CommandGroup = {
	summary: 'Manage OAuth clients',
	commands: { add, list, delete: remove }
}
