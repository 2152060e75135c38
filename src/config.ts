/**
 * @module config
 * Every setting of docs/contract.md, read once from the environment, validated, frozen.
 * A bad value throws a ConfigError whose message is one line naming the variable.
 */

export const JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const
export type AsymmetricAlgorithm = (typeof JWT_ALGORITHMS)[number]
export type SigningAlgorithm = AsymmetricAlgorithm | 'HS256'
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** OWASP Password Storage Cheat Sheet: Argon2id with at least 19 MiB and 2 passes. */
export const PASSWORD_MEMORY_FLOOR_KIB = 19456
export const PASSWORD_TIME_COST_FLOOR = 2

export interface Config {
	readonly port: number
	readonly host: string
	readonly databasePath: string
	/** docs/contract.md: a PostgreSQL URL replaces the SQLite file; null runs on DATABASE_PATH. */
	readonly databaseUrl: string | null
	readonly issuer: string
	readonly audience: string
	readonly accessTokenTtlSeconds: number
	readonly refreshTokenTtlSeconds: number
	readonly sessionMaxAgeSeconds: number
	/** The algorithm access tokens are signed with: HS256 exactly when a JWT_SECRET is set. */
	readonly jwtAlg: SigningAlgorithm
	readonly jwtSecret: string | null
	readonly allowDefaultClient: boolean
	readonly registration: 'open' | 'closed'
	readonly refreshReuseGraceSeconds: number
	readonly passwordMemoryKib: number
	readonly passwordTimeCost: number
	/** Argon2 runs at once; beyond them requests wait in a queue of passwordQueueLimit, then get 503. */
	readonly passwordConcurrency: number
	readonly passwordQueueLimit: number
	readonly trustProxy: boolean
	readonly pruneIntervalSeconds: number
	readonly logLevel: LogLevel
}

export class ConfigError extends Error {
	constructor(variable: string, problem: string) {
		super(`${variable}: ${problem}`)
		this.name = 'ConfigError'
	}
}

type Env = Record<string, string | undefined>

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
const MIN_SECRET_BYTES = 32

export interface ConfigDefaults {
	/** `bun run demo` opens registration; `bun run start` keeps it closed. */
	registration?: 'open' | 'closed'
}

export function loadConfig(env: Env = process.env, defaults: ConfigDefaults = {}): Config {
	const read = reader(env)
	const port = read.integer('PORT', 3000, 0, 65535)
	const issuer = read.url('ISSUER', `http://localhost:${port}`)
	const jwtSecret = read.optional('JWT_SECRET')
	if (jwtSecret !== null && new TextEncoder().encode(jwtSecret).length < MIN_SECRET_BYTES)
		throw new ConfigError('JWT_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes`)
	const jwtAlg = read.oneOf('JWT_ALG', JWT_ALGORITHMS, 'RS256')
	const cores = navigator.hardwareConcurrency || 1
	const databaseUrl = read.postgresUrl('DATABASE_URL')
	// docs/contract.md: both set is a bad setting; which one was meant cannot be guessed.
	if (databaseUrl !== null && read.optional('DATABASE_PATH') !== null)
		throw new ConfigError('DATABASE_URL', 'cannot be set together with DATABASE_PATH; unset one of them')

	return Object.freeze({
		port,
		host: read.string('HOST', '127.0.0.1'),
		databasePath: read.string('DATABASE_PATH', './data/tessera.sqlite'),
		databaseUrl,
		issuer,
		audience: read.string('AUDIENCE', issuer),
		accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_TTL', 900, 1, 86_400),
		refreshTokenTtlSeconds: read.integer('REFRESH_TOKEN_TTL', 1_209_600, 1, 31_536_000),
		sessionMaxAgeSeconds: read.integer('SESSION_MAX_AGE', 2_592_000, 1, 31_536_000),
		jwtAlg: jwtSecret === null ? jwtAlg : 'HS256',
		jwtSecret,
		allowDefaultClient: read.boolean('ALLOW_DEFAULT_CLIENT', true),
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
		passwordConcurrency: read.integer('PASSWORD_CONCURRENCY', cores, 1, 256),
		passwordQueueLimit: read.integer('PASSWORD_QUEUE_LIMIT', 64 * cores, 0, 100_000),
		trustProxy: read.boolean('TRUST_PROXY', false),
		pruneIntervalSeconds: read.integer('PRUNE_INTERVAL', 3600, 0, 31_536_000),
		logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info')
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
		url(name: string, fallback: string) {
			const value = raw(name) ?? fallback
			let url: URL
			try {
				url = new URL(value)
			} catch {
				throw new ConfigError(name, `must be an absolute URL, got "${value}"`)
			}
			// RFC 8414 §2: the issuer is an https (or, for development, http) URL without query or fragment
			if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash)
				throw new ConfigError(name, 'must be an http(s) URL without query or fragment')
			return value.replace(/\/+$/, '')
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

/** A database URL without its password or query (which may carry one, or TLS key paths). */
export function redactDatabaseUrl(value: string): string {
	const url = new URL(value)
	url.password = ''
	url.search = ''
	return url.toString()
}
