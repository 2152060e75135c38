/**
 * @module config
 * The runnable server's settings (docs/contract.md), read once from the environment, validated,
 * frozen: what the server needs itself, and what server/options.ts hands the core as options.
 * A bad value throws a ConfigError whose message is one line naming the variable.
 */
import { ConfigError } from '../config-error'
import { LOG_LEVELS, type LogLevel } from '../http/logger'
import { redactDatabaseUrl } from '../store/postgres/connect'
import {
	JWT_ALGORITHMS,
	MIN_SECRET_BYTES,
	PASSWORD_MEMORY_FLOOR_KIB,
	PASSWORD_TIME_COST_FLOOR,
	issuerUrl,
	type SigningAlgorithm
} from '../options'
import { KEY_RELOAD_INTERVAL_SECONDS } from '../tokens/signing-keys'
import { SERVER_CATALOG, type ServerScope as Scope } from './scopes'

export { ConfigError }

export interface Config {
	readonly port: number
	readonly host: string
	readonly databasePath: string
	/** docs/contract.md: a PostgreSQL URL replaces the SQLite file; null runs on DATABASE_PATH. */
	readonly databaseUrl: string | null
	/** PostgreSQL only: `cached` keeps session state in memory, told of revocations (bound 1 s). */
	readonly revocationMode: 'strict' | 'cached'
	readonly issuer: string
	readonly audience: string
	readonly accessTokenTtlSeconds: number
	readonly refreshTokenTtlSeconds: number
	readonly sessionMaxAgeSeconds: number
	/** The algorithm access tokens are signed with: HS256 exactly when a JWT_SECRET is set. */
	readonly jwtAlg: SigningAlgorithm
	readonly jwtSecret: string | null
	/** Seals the private signing keys at rest (KEY_ENCRYPTION_SECRET). */
	readonly keyEncryptionSecret: string | null
	readonly allowDefaultClient: boolean
	/** The scopes the built-in public client `default` may grant, in catalog order. */
	readonly defaultClientScopes: readonly Scope[]
	readonly registration: 'open' | 'closed'
	readonly refreshReuseGraceSeconds: number
	readonly passwordMemoryKib: number
	readonly passwordTimeCost: number
	/** Argon2 runs at once; beyond them requests wait in a queue of passwordQueueLimit, then get 503. */
	readonly passwordConcurrency: number
	readonly passwordQueueLimit: number
	readonly trustProxy: boolean
	readonly pruneIntervalSeconds: number
	/** How often the server rereads the signing keys (another process may have rotated them). */
	readonly keyReloadIntervalSeconds: number
	readonly logLevel: LogLevel
	/** Server processes sharing the port (WORKERS); above 1, `bun run start|demo` supervises them. */
	readonly workers: number
}

/** Far above any core count a machine has; a typo like 1000000 stops start-up instead of forking. */
const MAX_WORKERS = 1024


type Env = Record<string, string | undefined>

export interface ConfigDefaults {
	/** `bun run demo` opens registration; `bun run start` keeps it closed. */
	registration?: 'open' | 'closed'
	/**
	 * `bun run start`: every scope but `admin`, so a form anyone can fill in (Swagger UI, curl)
	 * never mints an admin token through the public client; the demo: every scope.
	 */
	defaultClientScopes?: readonly Scope[]
}

/** What `bun run demo` changes: open registration, and a public client that may grant admin. */
export const DEMO_DEFAULTS: ConfigDefaults = Object.freeze({
	registration: 'open',
	defaultClientScopes: SERVER_CATALOG.names
})

const START_DEFAULT_CLIENT_SCOPES = SERVER_CATALOG.names.filter((scope) => scope !== 'admin')

export function loadConfig(env: Env = process.env, defaults: ConfigDefaults = {}): Config {
	const read = reader(env)
	const port = read.integer('PORT', 3000, 0, 65535)
	const issuer = read.url('ISSUER', `http://localhost:${port}`)
	const secret = (name: string) => {
		const value = read.optional(name)
		if (value !== null && new TextEncoder().encode(value).length < MIN_SECRET_BYTES)
			throw new ConfigError(name, `must be at least ${MIN_SECRET_BYTES} bytes`)
		return value
	}
	const jwtSecret = secret('JWT_SECRET')
	const jwtAlg = read.oneOf('JWT_ALG', JWT_ALGORITHMS, 'RS256')
	const cores = navigator.hardwareConcurrency || 1
	const databasePath = read.string('DATABASE_PATH', './data/tessera.sqlite')
	const workers = read.integerOr('WORKERS', 'auto', cores, 1, 1, MAX_WORKERS)
	// Each process would have its own private database: a token from one worker unknown to the next.
	if (workers > 1 && databasePath === ':memory:')
		throw new ConfigError(
			'WORKERS',
			`must be 1 with DATABASE_PATH=:memory: (each process would have its own database), got ${workers}`
		)
	const coresEach = Math.max(1, Math.ceil(cores / workers))
	const databaseUrl = read.postgresUrl('DATABASE_URL')
	// docs/contract.md: both set is a bad setting; which one was meant cannot be guessed.
	if (databaseUrl !== null && read.optional('DATABASE_PATH') !== null)
		throw new ConfigError('DATABASE_URL', 'cannot be set together with DATABASE_PATH; unset one of them')

	return Object.freeze({
		port,
		host: read.string('HOST', '127.0.0.1'),
		databasePath,
		databaseUrl,
		revocationMode: read.oneOf('REVOCATION_MODE', ['strict', 'cached'] as const, 'strict'),
		issuer,
		audience: read.string('AUDIENCE', issuer),
		accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_TTL', 900, 1, 86_400),
		refreshTokenTtlSeconds: read.integer('REFRESH_TOKEN_TTL', 1_209_600, 1, 31_536_000),
		sessionMaxAgeSeconds: read.integer('SESSION_MAX_AGE', 2_592_000, 1, 31_536_000),
		jwtAlg: jwtSecret === null ? jwtAlg : 'HS256',
		jwtSecret,
		keyEncryptionSecret: secret('KEY_ENCRYPTION_SECRET'),
		allowDefaultClient: read.boolean('ALLOW_DEFAULT_CLIENT', true),
		defaultClientScopes: read.scopes(
			'DEFAULT_CLIENT_SCOPES',
			defaults.defaultClientScopes ?? START_DEFAULT_CLIENT_SCOPES
		),
		registration: read.oneOf(
			'REGISTRATION',
			['open', 'closed'] as const,
			defaults.registration ?? 'closed'
		),
		refreshReuseGraceSeconds: read.integer('REFRESH_REUSE_GRACE', 0, 0, 300),
		passwordMemoryKib: read.integer(
			'PASSWORD_MEMORY_KIB',
			PASSWORD_MEMORY_FLOOR_KIB,
			PASSWORD_MEMORY_FLOOR_KIB,
			4_194_304
		),
		passwordTimeCost: read.integer(
			'PASSWORD_TIME_COST',
			PASSWORD_TIME_COST_FLOOR,
			PASSWORD_TIME_COST_FLOOR,
			100
		),
		// Per process: the workers share the cores, so by default they share the Argon2 runs too.
		passwordConcurrency: read.integer('PASSWORD_CONCURRENCY', coresEach, 1, 256),
		passwordQueueLimit: read.integer('PASSWORD_QUEUE_LIMIT', 64 * coresEach, 0, 100_000),
		trustProxy: read.boolean('TRUST_PROXY', false),
		pruneIntervalSeconds: read.integer('PRUNE_INTERVAL', 3600, 0, 31_536_000),
		// Never above the margin a retired key keeps verifying for (src/tokens/signing-keys.ts).
		keyReloadIntervalSeconds: read.integer(
			'KEY_RELOAD_INTERVAL',
			KEY_RELOAD_INTERVAL_SECONDS,
			1,
			KEY_RELOAD_INTERVAL_SECONDS
		),
		logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
		workers
	})
}

function reader(env: Env) {
	const raw = (name: string) => {
		const value = env[name]?.trim()
		return value === undefined || value === '' ? null : value
	}
	return {
		optional: raw,
		string: (name: string, fallback: string) => raw(name) ?? fallback,
		integer(name: string, fallback: number, min: number, max: number) {
			const value = raw(name)
			if (value === null) return fallback
			if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`)
			const n = Number(value)
			if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`)
			return n
		},
		/** A whole number, or the one word that stands for `named` (WORKERS=auto). */
		integerOr(name: string, word: string, named: number, fallback: number, min: number, max: number) {
			const value = raw(name)
			if (value?.toLowerCase() === word) return Math.min(Math.max(named, min), max)
			if (value !== null && !/^\d+$/.test(value))
				throw new ConfigError(name, `must be a whole number or ${word}, got "${value}"`)
			return this.integer(name, fallback, min, max)
		},
		boolean(name: string, fallback: boolean) {
			const value = raw(name)?.toLowerCase()
			if (value === undefined) return fallback
			if (['true', '1', 'yes'].includes(value)) return true
			if (['false', '0', 'no'].includes(value)) return false
			throw new ConfigError(name, `must be true or false, got "${value}"`)
		},
		oneOf<const T extends readonly string[]>(name: string, allowed: T, fallback: T[number]): T[number] {
			const value = raw(name)
			if (value === null) return fallback
			if (!allowed.includes(value))
				throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`)
			return value
		},
		/** Scope names from the catalog, space- or comma-separated (RFC 6749 §3.3 uses spaces). */
		scopes(name: string, fallback: readonly Scope[]): readonly Scope[] {
			const value = raw(name)
			if (value === null) return Object.freeze([...fallback])
			const names = value.split(/[\s,]+/).filter(Boolean)
			if (names.length === 0) throw new ConfigError(name, 'must name at least one scope')
			const unknown = names.find((scope) => !SERVER_CATALOG.has(scope))
			if (unknown !== undefined)
				throw new ConfigError(
					name,
					`must be scopes from the catalog (${SERVER_CATALOG.names.join(' ')}), got "${unknown}"`
				)
			return Object.freeze(SERVER_CATALOG.format(names).split(' ') as Scope[])
		},
		url(name: string, fallback: string) {
			return issuerUrl(name, raw(name) ?? fallback)
		},
		/** The value is never echoed: it may hold a password. */
		postgresUrl(name: string) {
			const value = raw(name)
			if (value === null) return null
			let url: URL | null = null
			try {
				url = new URL(value)
			} catch {}
			if (!url || !['postgres:', 'postgresql:'].includes(url.protocol))
				throw new ConfigError(name, 'must be a postgres:// or postgresql:// URL')
			return value
		}
	}
}

/** docs/contract.md (Store.location): where the data lives, for logs: a path, or a URL without its password. */
export function databaseLocation(config: Pick<Config, 'databasePath' | 'databaseUrl'>): string {
	return config.databaseUrl === null ? config.databasePath : redactDatabaseUrl(config.databaseUrl)
}

