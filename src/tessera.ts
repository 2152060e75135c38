/**
 * @module tessera
 * The services of one Tessera instance, built once from a Config and a database, and handed to
 * the plugins. Nothing here is opened at import time, so every test builds its own.
 */
import { AuditTrail } from './audit'
import { Authenticator } from './auth/principal'
import { PasswordHasher } from './auth/password'
import { LoginThrottle } from './auth/throttle'
import type { Config } from './config'
import { openDatabase, type Db } from './db/client'
import { createLogger, type Logger } from './http/logger'
import { UserStore } from './modules/users/service'
import { ClientStore } from './oauth/clients'
import { AccessTokenVerifier } from './tokens/access-token'
import { SessionStore } from './tokens/sessions'
import { KeyStore } from './tokens/signing-keys'

export interface Tessera {
	readonly config: Config
	readonly db: Db
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
}

export interface TesseraOptions {
	config: Config
	/** Defaults to opening (and migrating) `config.databasePath`. */
	db?: Db
	log?: Logger
}

export async function createTessera({
	config,
	db = openDatabase(config.databasePath),
	log
}: TesseraOptions): Promise<Tessera> {
	const logger = log ?? createLogger(config.logLevel)
	const passwords = new PasswordHasher({
		memoryKib: config.passwordMemoryKib,
		timeCost: config.passwordTimeCost,
		concurrency: config.passwordConcurrency,
		queueLimit: config.passwordQueueLimit
	})
	const clients = new ClientStore(db, config)
	clients.ensureDefaultClient()
	const sessions = new SessionStore(db, config)
	const keys = await KeyStore.open(db, config)
	const verifier = new AccessTokenVerifier(keys, config)
	return {
		config,
		db,
		log: logger,
		audit: new AuditTrail(db, logger),
		passwords,
		throttle: new LoginThrottle(db),
		users: new UserStore(db, passwords),
		clients,
		sessions,
		keys,
		verifier,
		authenticator: new Authenticator(verifier, sessions)
	}
}
