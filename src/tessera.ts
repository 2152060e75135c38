/**
 * @module tessera
 * The services of one Tessera instance, built once from a Config and a store, and handed to the
 * plugins. Nothing here is opened at import time, so every test builds its own.
 */
import { AuditTrail } from './audit'
import { PasswordHasher } from './auth/password'
import { Authenticator } from './auth/principal'
import { LoginThrottle } from './auth/throttle'
import { systemClock, type Clock } from './clock'
import type { Config } from './config'
import { createLogger, type Logger } from './http/logger'
import { Metrics } from './metrics'
import { UserStore } from './modules/users/service'
import { ClientStore } from './oauth/clients'
import { openStore } from './store/open'
import type { Store } from './store/port'
import { AccessTokenVerifier } from './tokens/access-token'
import { SessionStore } from './tokens/sessions'
import { KeyStore } from './tokens/signing-keys'

export interface Tessera {
	readonly config: Config
	readonly store: Store
	readonly clock: Clock
	readonly log: Logger
	readonly audit: AuditTrail
	readonly passwords: PasswordHasher
	readonly throttle: LoginThrottle
	readonly users: UserStore
	readonly clients: ClientStore
	readonly sessions: SessionStore
	readonly keys: KeyStore
	readonly verifier: AccessTokenVerifier
	readonly authenticator: Authenticator
	/** Counters and gauges of this instance, scraped at GET /metrics. */
	readonly metrics: Metrics
}

export interface TesseraOptions {
	config: Config
	/** Defaults to opening (and migrating) the store the config names. */
	store?: Store
	log?: Logger
	/**
	 * Defaults to Argon2id with the config's cost. Tests that are not about passwords pass a cheap
	 * one; a server configured from the environment never does.
	 */
	passwords?: PasswordHasher
	/** Unix seconds; defaults to the system clock. Tests move time instead of sleeping. */
	clock?: Clock
}

export async function createTessera({
	config,
	store,
	log,
	passwords,
	clock = systemClock
}: TesseraOptions): Promise<Tessera> {
	const logger = log ?? createLogger(config.logLevel)
	const opened = store ?? (await openStore(config))
	const hasher =
		passwords ??
		new PasswordHasher({
			memoryKib: config.passwordMemoryKib,
			timeCost: config.passwordTimeCost,
			concurrency: config.passwordConcurrency,
			queueLimit: config.passwordQueueLimit
		})
	const clients = new ClientStore(opened.clients, config, clock)
	await clients.ensureDefaultClient()
	const sessions = new SessionStore(opened.sessions, config, clock)
	const keys = await KeyStore.open(opened.keys, config, clock)
	const verifier = new AccessTokenVerifier(keys, config, clock)
	return {
		config,
		store: opened,
		clock,
		log: logger,
		audit: new AuditTrail(opened.audit, logger, clock),
		passwords: hasher,
		throttle: new LoginThrottle(opened.throttle, clock),
		users: new UserStore(opened.users, hasher, clock),
		clients,
		sessions,
		keys,
		verifier,
		authenticator: new Authenticator(verifier, sessions),
		metrics: new Metrics(hasher)
	}
}
