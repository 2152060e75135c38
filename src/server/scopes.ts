/**
 * @module server/scopes
 * The scope catalog of the runnable server: its configuration of the core, like any host app's.
 */
import { ScopeCatalog } from '../oauth/scope'

export const SERVER_SCOPES = {
	profile: 'Read and change your own account',
	'posts:read': 'Read your posts',
	'posts:write': 'Create, change and delete your posts',
	admin: 'Manage users and clients'
} as const

export type ServerScope = keyof typeof SERVER_SCOPES

/** The catalog as the server parses and writes scopes before an instance is open (the CLI). */
export const SERVER_CATALOG = new ScopeCatalog<ServerScope>(SERVER_SCOPES)
export const SERVER_SCOPE_NAMES = SERVER_CATALOG.names
