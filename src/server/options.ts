/**
 * @module server/options
 * The runnable server's configuration of the core: its environment settings as createTessera
 * options, with the server's scope catalog.
 */
import type { Config } from './config'
import type { AsymmetricAlgorithm, TesseraOptions } from '../options'
import { SERVER_SCOPES, type ServerScope } from './scopes'

/** docs/contract.md: DATABASE_URL (PostgreSQL) when set, else the SQLite file at DATABASE_PATH. */
export function databaseOption(
	config: Pick<Config, 'databasePath' | 'databaseUrl' | 'revocationMode'>
): { path: string } | { url: string; revocation: 'strict' | 'cached' } {
	return config.databaseUrl === null
		? { path: config.databasePath }
		: { url: config.databaseUrl, revocation: config.revocationMode }
}

export function tesseraOptions(config: Config): TesseraOptions<ServerScope> {
	return {
		database: databaseOption(config),
		issuer: config.issuer,
		audience: config.audience,
		scopes: SERVER_SCOPES,
		tokens: {
			accessTtl: config.accessTokenTtlSeconds,
			refreshTtl: config.refreshTokenTtlSeconds,
			sessionMaxAge: config.sessionMaxAgeSeconds,
			refreshReuseGrace: config.refreshReuseGraceSeconds
		},
		signing:
			config.jwtSecret === null
				? {
						algorithm: config.jwtAlg as AsymmetricAlgorithm,
						...(config.keyEncryptionSecret === null ? {} : { keyEncryptionSecret: config.keyEncryptionSecret })
					}
				: { secret: config.jwtSecret },
		defaultClient: { enabled: config.allowDefaultClient, scopes: [...config.defaultClientScopes] },
		passwords: {
			memoryKib: config.passwordMemoryKib,
			timeCost: config.passwordTimeCost,
			concurrency: config.passwordConcurrency,
			queueLimit: config.passwordQueueLimit
		},
		trustProxy: config.trustProxy,
		logger: config.logLevel,
		serviceDocumentation: `${config.issuer}/swagger`
	}
}
