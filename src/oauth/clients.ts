/**
 * @module oauth/clients
 * Client records and client authentication for the token, revocation and introspection endpoints
 * (RFC 6749 §2.3, §3.2.1). Secrets are generated here, stored as SHA-256, compared in constant time.
 */
import type { Clock } from '../clock'
import type { Settings } from '../options'
import type { ClientPort, ClientRow as Client, EndedSession, Freshness } from '../store/port'
import { Conflict, InvalidClient, InvalidRequest } from '../errors'
import { generateSecret, hashSecret, secretMatches } from '../tokens/opaque'
import { parseBasic } from './credentials'
import type { OAuthParams } from './form'

/** Clients kept in memory at most; there are few, and a flood of made-up ids is never kept. */
const REMEMBERED_CLIENTS = 1024

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
	scopes: string[]
}

export interface NewClient {
	id: string
	name?: string
	confidential: boolean
	grants: GrantType[]
	scopes: string[]
}

const toAuthenticated = (row: Client, settings: Settings): AuthenticatedClient => ({
	id: row.id,
	confidential: row.secretHash !== null,
	grants: row.grants
		.split(' ')
		.filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g)),
	scopes: settings.scopes.list(row.scopes)
})

export class ClientStore {
	/** Clients read before, trusted while the store's freshness counter is unchanged (see store/port). */
	readonly #remembered = new Map<string, { tag: number; client: Client }>()

	constructor(
		private readonly store: ClientPort,
		private readonly settings: Settings,
		private readonly clock: Clock,
		private readonly freshness: Freshness | null
	) {}

	/** Every token request authenticates its client: from memory while nothing changed a client since. */
	async find(id: string): Promise<Client | undefined> {
		const tag = this.freshness?.current()
		if (tag !== undefined) {
			const remembered = this.#remembered.get(id)
			if (remembered?.tag === tag) return remembered.client
		}
		const client = await this.store.find(id)
		// Only clients that exist: one created later must not be hidden by a remembered absence.
		if (client && tag !== undefined) {
			if (this.#remembered.size >= REMEMBERED_CLIENTS) this.#remembered.clear()
			this.#remembered.set(id, { tag, client })
		}
		return client ?? undefined
	}

	/**
	 * Creates a client; a confidential one gets a server-generated secret, returned this once.
	 * `presetSecret` exists for the demo data only, whose secrets the contract fixes.
	 */
	async create(client: NewClient, presetSecret?: string): Promise<{ client: Client; secret: string | null }> {
		const secret = client.confidential ? (presetSecret ?? generateSecret()) : null
		const row = await this.store.insert({
			id: client.id,
			name: client.name ?? '',
			secretHash: secret === null ? null : hashSecret(secret),
			grants: GRANT_TYPES.filter((grant) => client.grants.includes(grant)).join(' '),
			scopes: this.settings.scopes.format(client.scopes),
			createdAt: this.clock()
		})
		if (!row) throw new Conflict('The client_id is taken')
		return { client: row, secret }
	}

	/** Keyset pagination by client_id: stable while walking, whatever is added meanwhile. */
	list(page: { afterId?: string; limit: number }): Promise<Client[]> {
		return this.store.list(page)
	}

	/**
	 * Deletes a client. Its sessions go with it, and with them every access and refresh token it
	 * holds: bearer auth finds no session for their `sid`. Null when there was no such client.
	 */
	delete(id: string): Promise<EndedSession[] | null> {
		if (id === DEFAULT_CLIENT_ID)
			throw new InvalidRequest(
				'The built-in client default cannot be deleted; set ALLOW_DEFAULT_CLIENT=false to switch it off'
			)
		return this.store.delete(id)
	}

	/** The built-in public client exists in every database, with the grants and scopes it may use. */
	async ensureDefaultClient(): Promise<void> {
		const row = {
			id: DEFAULT_CLIENT_ID,
			name: 'Built-in public client',
			secretHash: null,
			grants: 'password refresh_token',
			scopes: this.settings.scopes.format(this.settings.defaultClientScopes),
			createdAt: this.clock()
		}
		// A setting changed since the last start must not leave `admin` behind.
		if (this.settings.enforceDefaultClientScopes) await this.store.upsert(row)
		else await this.store.insert(row)
	}

	/**
	 * §2.3: the client authenticates with HTTP Basic or with body parameters, never both. A public
	 * client identifies itself with client_id alone (or Basic with an empty secret). Swagger UI's
	 * empty `Basic Og==` counts as no credentials. Unknown client and wrong secret look the same.
	 */
	async authenticate(authorization: string | undefined, params: OAuthParams): Promise<AuthenticatedClient> {
		const basic = parseBasic(authorization)
		const usedBasic = basic !== null && (basic.clientId !== '' || basic.clientSecret !== '')
		if (usedBasic && params.client_secret !== undefined)
			throw new InvalidRequest('The client must not use more than one authentication method')
		if (usedBasic && params.client_id !== undefined && params.client_id !== basic.clientId)
			throw new InvalidRequest('The client_id does not match the HTTP Basic credentials')

		const clientId = usedBasic ? basic.clientId : params.client_id
		const secret = usedBasic ? basic.clientSecret : params.client_secret
		if (clientId === undefined || clientId === '') {
			if (!this.settings.allowDefaultClient || secret !== undefined)
				throw new InvalidClient(usedBasic, 'no client_id')
			return this.#require(DEFAULT_CLIENT_ID, undefined, usedBasic)
		}
		return this.#require(clientId, secret === '' ? undefined : secret, usedBasic)
	}

	async #require(clientId: string, secret: string | undefined, usedBasic: boolean): Promise<AuthenticatedClient> {
		const row = await this.find(clientId)
		if (!row) throw new InvalidClient(usedBasic, 'unknown client')
		if (row.secretHash === null) {
			if (secret !== undefined) throw new InvalidClient(usedBasic, 'a public client sent a secret')
			if (row.id === DEFAULT_CLIENT_ID && !this.settings.allowDefaultClient)
				throw new InvalidClient(usedBasic, 'the default client is switched off')
		} else if (secret === undefined || !secretMatches(secret, row.secretHash))
			throw new InvalidClient(usedBasic, 'wrong or missing client secret')
		return toAuthenticated(row, this.settings)
	}
}
