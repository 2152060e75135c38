/**
 * @module oauth/clients
 * Client records and client authentication for the token, revocation and introspection endpoints
 * (RFC 6749 §2.3, §3.2.1). Secrets are generated here, stored as SHA-256, compared in constant time.
 */
import { asc, eq, gt, sql } from 'drizzle-orm'
import type { Config } from '../config'
import type { Db } from '../db/client'
import { clients, type Client } from '../db/schema'
import { Conflict, InvalidClient, InvalidRequest } from '../errors'
import { generateSecret, hashSecret, secretMatches } from '../tokens/opaque'
import { parseBasic } from './credentials'
import type { OAuthParams } from './form'
import { formatScope, scopeList, type Scope } from './scope'

export const GRANT_TYPES = ['password', 'refresh_token', 'client_credentials'] as const
export type GrantType = (typeof GRANT_TYPES)[number]

/** docs/contract.md: the built-in public client a request without client_id stands for. */
export const DEFAULT_CLIENT_ID = 'default'

/**
 * Client ids start with a letter, so they never collide with a user's numeric `sub`
 * (RFC 9068 §5, RFC 9700 §4.15).
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z][A-Za-z0-9._~-]{0,63}$/

export interface AuthenticatedClient {
	id: string
	confidential: boolean
	grants: GrantType[]
	scopes: Scope[]
}

export interface NewClient {
	id: string
	name?: string
	confidential: boolean
	grants: GrantType[]
	scopes: Scope[]
}

const toAuthenticated = (row: Client): AuthenticatedClient => ({
	id: row.id,
	confidential: row.secretHash !== null,
	grants: row.grants
		.split(' ')
		.filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g)),
	scopes: scopeList(row.scopes)
})

export class ClientStore {
	readonly #byId

	constructor(
		private readonly db: Db,
		private readonly config: Config
	) {
		this.#byId = db
			.select()
			.from(clients)
			.where(eq(clients.id, sql.placeholder('id')))
			.prepare()
	}

	find(id: string): Client | undefined {
		return this.#byId.get({ id })
	}

	/**
	 * Creates a client; a confidential one gets a server-generated secret, returned this once.
	 * `presetSecret` exists for the demo data only, whose secrets docs/contract.md fixes.
	 */
	create(client: NewClient, presetSecret?: string): { client: Client; secret: string | null } {
		const secret = client.confidential ? (presetSecret ?? generateSecret()) : null
		const row = this.db
			.insert(clients)
			.values({
				id: client.id,
				name: client.name ?? '',
				secretHash: secret === null ? null : hashSecret(secret),
				grants: GRANT_TYPES.filter((grant) => client.grants.includes(grant)).join(' '),
				scopes: formatScope(client.scopes)
			})
			.onConflictDoNothing()
			.returning()
			.get()
		if (!row) throw new Conflict('The client_id is taken')
		return { client: row, secret }
	}

	/** Keyset pagination by client_id: stable while walking, whatever is added meanwhile. */
	list(page: { afterId?: string; limit: number }): Client[] {
		return this.db
			.select()
			.from(clients)
			.where(page.afterId === undefined ? undefined : gt(clients.id, page.afterId))
			.orderBy(asc(clients.id))
			.limit(page.limit)
			.all()
	}

	/**
	 * Deletes a client. Its sessions go with it (foreign-key cascade), and with them every access
	 * and refresh token it holds: bearer auth finds no session for their `sid`.
	 */
	delete(id: string): boolean {
		if (id === DEFAULT_CLIENT_ID)
			throw new InvalidRequest(
				'The built-in client default cannot be deleted; set ALLOW_DEFAULT_CLIENT=false to switch it off'
			)
		return (
			this.db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id }).all().length > 0
		)
	}

	/**
	 * The built-in public client exists in every database. Its scopes follow DEFAULT_CLIENT_SCOPES,
	 * brought in line at every start (a setting changed since must not leave `admin` behind); its
	 * name and grants stay as an operator shaped them.
	 */
	ensureDefaultClient() {
		const scopes = formatScope(this.config.defaultClientScopes)
		this.db
			.insert(clients)
			.values({
				id: DEFAULT_CLIENT_ID,
				name: 'Built-in public client',
				secretHash: null,
				grants: 'password refresh_token',
				scopes
			})
			.onConflictDoUpdate({ target: clients.id, set: { scopes } })
			.run()
	}

	/**
	 * §2.3: the client authenticates with HTTP Basic or with body parameters, never both. A public
	 * client identifies itself with client_id alone (or Basic with an empty secret). Swagger UI's
	 * empty `Basic Og==` counts as no credentials. Unknown client and wrong secret look the same.
	 */
	authenticate(authorization: string | undefined, params: OAuthParams): AuthenticatedClient {
		const basic = parseBasic(authorization)
		const usedBasic = basic !== null && (basic.clientId !== '' || basic.clientSecret !== '')
		if (usedBasic && params.client_secret !== undefined)
			throw new InvalidRequest('The client must not use more than one authentication method')
		if (usedBasic && params.client_id !== undefined && params.client_id !== basic.clientId)
			throw new InvalidRequest('The client_id does not match the HTTP Basic credentials')

		const clientId = usedBasic ? basic.clientId : params.client_id
		const secret = usedBasic ? basic.clientSecret : params.client_secret
		if (clientId === undefined || clientId === '') {
			if (!this.config.allowDefaultClient || secret !== undefined)
				throw new InvalidClient(usedBasic, 'no client_id')
			return this.#require(DEFAULT_CLIENT_ID, undefined, usedBasic)
		}
		return this.#require(clientId, secret === '' ? undefined : secret, usedBasic)
	}

	#require(clientId: string, secret: string | undefined, usedBasic: boolean): AuthenticatedClient {
		const row = this.find(clientId)
		if (!row) throw new InvalidClient(usedBasic, 'unknown client')
		if (row.secretHash === null) {
			if (secret !== undefined) throw new InvalidClient(usedBasic, 'a public client sent a secret')
			if (row.id === DEFAULT_CLIENT_ID && !this.config.allowDefaultClient)
				throw new InvalidClient(usedBasic, 'the default client is switched off')
		} else if (secret === undefined || !secretMatches(secret, row.secretHash))
			throw new InvalidClient(usedBasic, 'wrong or missing client secret')
		return toAuthenticated(row)
	}
}
