/**
 * @module tessera
 * One Tessera instance: its settings, its store and the services built on them, handed to the
 * plugins. Nothing is opened at import time and nothing is shared between instances, so two in
 * one process (tests, several tenants) stay independent.
 */
import { Accounts } from './accounts'
import { AuditTrail } from './audit'
import { PasswordHasher } from './auth/password'
import { Authenticator } from './auth/principal'
import { LoginThrottle } from './auth/throttle'
import { systemClock, type Clock } from './clock'
import { createLogger, type Logger } from './http/logger'
import { Metrics } from './metrics'
import { ClientStore } from './oauth/clients'
import { resolveOptions, resolvePasswordOptions, type Settings, type TesseraOptions } from './options'
import { openStore } from './store/open'
import type { Store } from './store/port'
import { AccessTokenVerifier } from './tokens/access-token'
import { SessionStore } from './tokens/sessions'
import { KeyStore } from './tokens/signing-keys'

export interface Tessera<S extends string = string> {
	readonly settings: Settings<S>
	readonly store: Store
	readonly clock: Clock
	readonly log: Logger
	readonly audit: AuditTrail
	readonly passwords: PasswordHasher
	readonly throttle: LoginThrottle
	/** Accounts: create, find, update users; never a password hash. */
	readonly users: Accounts<S>
	readonly clients: ClientStore
	readonly sessions: SessionStore
	readonly keys: KeyStore
	readonly verifier: AccessTokenVerifier
	readonly authenticator: Authenticator<S>
	/** Counters and gauges of this instance, scraped at GET /metrics. */
	readonly metrics: Metrics
}

/**
 * Builds an instance: opens (and migrates) the store, makes sure the built-in client and a
 * signing key exist. The scope catalog types everything after it.
 */
export async function createTessera<const S extends string>(options: TesseraOptions<S>): Promise<Tessera<S>> {
	const settings = resolveOptions(options)
	const clock = options.clock ?? systemClock
	const log = typeof options.logger === 'object' ? options.logger : createLogger(options.logger ?? 'info')
	const passwords =
		options.passwords instanceof PasswordHasher
			? options.passwords
			: new PasswordHasher(resolvePasswordOptions(options.passwords))
	const store = 'store' in options.database ? options.database.store : await openStore(options.database)
	const audit = new AuditTrail(store.audit, log, clock)
	const throttle = new LoginThrottle(store.throttle, clock)
	const clients = new ClientStore(store.clients, settings, clock, store.freshness)
	await clients.ensureDefaultClient()
	const sessions = new SessionStore(store.sessions, settings, clock)
	const keys = await KeyStore.open(store.keys, settings, clock)
	const verifier = new AccessTokenVerifier(keys, settings, clock)
	const users = new Accounts<S>(store.users, { scopes: settings.scopes, passwords, throttle, audit, log, clock })
	return {
		settings,
		store,
		clock,
		log,
		audit,
		passwords,
		throttle,
		users,
		clients,
		sessions,
		keys,
		verifier,
		authenticator: new Authenticator(verifier, sessions, users, settings.scopes, clock, store.freshness),
		metrics: new Metrics(passwords)
	}
}
