/**
 * @module options
 * What a Tessera instance is configured with: a typed options object, every field but the
 * database, the issuer and the scope catalog defaulted, validated once into frozen Settings.
 * A bad option throws one ConfigError naming it (`tokens.accessTtl: must be …`).
 */
import type { PasswordHasher } from './auth/password'
import type { Clock } from './clock'
import { ConfigError } from './config-error'
import type { Logger, LogLevel } from './http/logger'
import { ScopeCatalog } from './oauth/scope'
import type { Store } from './store/port'

export const JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const
export type AsymmetricAlgorithm = (typeof JWT_ALGORITHMS)[number]
export type SigningAlgorithm = AsymmetricAlgorithm | 'HS256'

/** OWASP Password Storage Cheat Sheet: Argon2id with at least 19 MiB and 2 passes. */
export const PASSWORD_MEMORY_FLOOR_KIB = 19456
export const PASSWORD_TIME_COST_FLOOR = 2
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32

export type DatabaseOption =
	/** A SQLite file (created and migrated at start), or `:memory:`. */
	| { path: string }
	/** A PostgreSQL database, `postgres://…` or `postgresql://…`. */
	| {
			url: string
			/**
			 * `strict` (default): session state is read from the database on every request, bound 0.
			 * `cached`: kept in memory and told of revocations (LISTEN/NOTIFY); lags by at most 1 s.
			 */
			revocation?: 'strict' | 'cached'
	  }
	/** A store opened elsewhere (shared by several instances in one process, or a test's). */
	| { store: Store }

export interface PasswordOptions {
	/** Argon2id memory in KiB; never below 19456 (OWASP). Default 19456. */
	memoryKib?: number
	/** Argon2id passes; never below 2. Default 2. */
	timeCost?: number
	/** Argon2 runs at once. Default: the number of cores. */
	concurrency?: number
	/** Runs that may wait; beyond them a login gets 503. Default 64 per core. */
	queueLimit?: number
}

export interface TesseraOptions<S extends string = string> {
	database: DatabaseOption
	/** `iss` of every token and `issuer` in metadata: an http(s) URL without query or fragment. */
	issuer: string
	/** The scope catalog, with a description of each scope (metadata, Swagger). */
	scopes: Readonly<Record<S, string>>
	/** `aud` of access tokens. Default: the issuer. */
	audience?: string
	/** A scope whose bearer may introspect every token (RFC 7662 §4). Default `admin` if in the catalog. */
	adminScope?: NoInfer<S> | null
	tokens?: {
		/** Seconds. Default 900. */
		accessTtl?: number
		/** Seconds, sliding. Default 1 209 600 (14 days). */
		refreshTtl?: number
		/** Seconds, the absolute life of a session. Default 2 592 000 (30 days). */
		sessionMaxAge?: number
		/** Seconds during which a just-rotated refresh token is refused without ending its session. Default 0. */
		refreshReuseGrace?: number
	}
	signing?: {
		/** Default RS256 (RFC 9068 requires it be supported). Ignored when `secret` is set. */
		algorithm?: AsymmetricAlgorithm
		/** HS256 with this secret (≥ 32 bytes) instead of a published key pair. */
		secret?: string
		/** Seals the private signing keys at rest (AES-256-GCM under a key derived from it). */
		keyEncryptionSecret?: string
	}
	defaultClient?: {
		/** Whether a request without client_id acts as the public client `default`. Default true. */
		enabled?: boolean
		/**
		 * What `default` may grant, brought in line at every start. Unset: a new database gives it
		 * every scope of the catalog, and an existing one keeps what it has.
		 */
		scopes?: NoInfer<S>[]
	}
	/** Argon2id cost, or a hasher (tests). */
	passwords?: PasswordOptions | PasswordHasher
	/** Whether X-Forwarded-For gives the client address (throttling, audit). Default false. */
	trustProxy?: boolean
	/** A logger, or the level of the default JSON-lines logger on stdout. Default `info`. */
	logger?: Logger | LogLevel
	/** Unix seconds. Default: the system clock. */
	clock?: Clock
	/** `service_documentation` in the server metadata (RFC 8414 §2), e.g. your Swagger UI. */
	serviceDocumentation?: string
}

/** What the services of an instance read: every option resolved and checked. */
export interface Settings<S extends string = string> {
	readonly issuer: string
	readonly audience: string
	readonly scopes: ScopeCatalog<S>
	readonly adminScope: S | null
	readonly accessTokenTtlSeconds: number
	readonly refreshTokenTtlSeconds: number
	readonly sessionMaxAgeSeconds: number
	readonly refreshReuseGraceSeconds: number
	/** HS256 exactly when a secret is set. */
	readonly jwtAlg: SigningAlgorithm
	readonly jwtSecret: string | null
	readonly keyEncryptionSecret: string | null
	readonly allowDefaultClient: boolean
	readonly defaultClientScopes: readonly S[]
	/** Whether the start brings the stored `default` client in line with defaultClientScopes. */
	readonly enforceDefaultClientScopes: boolean
	readonly trustProxy: boolean
	readonly serviceDocumentation: string | null
}

export function resolveOptions<S extends string>(options: TesseraOptions<S>): Settings<S> {
	const issuer = issuerUrl('issuer', options.issuer)
	const scopes = new ScopeCatalog<S>(options.scopes)
	const tokens = options.tokens ?? {}
	const signing = options.signing ?? {}
	const secret = signing.secret ?? null
	if (secret !== null && new TextEncoder().encode(secret).length < MIN_SECRET_BYTES)
		throw new ConfigError('signing.secret', `must be at least ${MIN_SECRET_BYTES} bytes`)
	const algorithm = signing.algorithm ?? 'RS256'
	if (!JWT_ALGORITHMS.includes(algorithm))
		throw new ConfigError('signing.algorithm', `must be one of ${JWT_ALGORITHMS.join(', ')}`)
	const keyEncryptionSecret = signing.keyEncryptionSecret ?? null
	if (keyEncryptionSecret !== null && new TextEncoder().encode(keyEncryptionSecret).length < MIN_SECRET_BYTES)
		throw new ConfigError('signing.keyEncryptionSecret', `must be at least ${MIN_SECRET_BYTES} bytes`)
	const adminScope = options.adminScope === undefined ? (scopes.has('admin') ? 'admin' : null) : options.adminScope
	if (adminScope !== null && !scopes.has(adminScope))
		throw new ConfigError('adminScope', `"${adminScope}" is not in the scope catalog`)
	const defaultClientScopes = options.defaultClient?.scopes ?? scopes.names
	for (const scope of defaultClientScopes)
		if (!scopes.has(scope)) throw new ConfigError('defaultClient.scopes', `"${scope}" is not in the scope catalog`)

	return Object.freeze({
		issuer,
		audience: options.audience ?? issuer,
		scopes,
		adminScope,
		accessTokenTtlSeconds: whole('tokens.accessTtl', tokens.accessTtl, 900, 1, 86_400),
		refreshTokenTtlSeconds: whole('tokens.refreshTtl', tokens.refreshTtl, 1_209_600, 1, 31_536_000),
		sessionMaxAgeSeconds: whole('tokens.sessionMaxAge', tokens.sessionMaxAge, 2_592_000, 1, 31_536_000),
		refreshReuseGraceSeconds: whole('tokens.refreshReuseGrace', tokens.refreshReuseGrace, 0, 0, 300),
		jwtAlg: secret === null ? algorithm : 'HS256',
		jwtSecret: secret,
		keyEncryptionSecret,
		allowDefaultClient: options.defaultClient?.enabled ?? true,
		defaultClientScopes: Object.freeze([...defaultClientScopes]),
		enforceDefaultClientScopes: options.defaultClient?.scopes !== undefined,
		trustProxy: options.trustProxy ?? false,
		serviceDocumentation:
			options.serviceDocumentation === undefined ? null : issuerUrl('serviceDocumentation', options.serviceDocumentation)
	})
}

/** Argon2id parameters with their floors; the hasher of an instance configured by options. */
export function resolvePasswordOptions(options: PasswordOptions = {}): Required<PasswordOptions> {
	const cores = navigator.hardwareConcurrency || 1
	return {
		memoryKib: whole('passwords.memoryKib', options.memoryKib, PASSWORD_MEMORY_FLOOR_KIB, PASSWORD_MEMORY_FLOOR_KIB, 4_194_304),
		timeCost: whole('passwords.timeCost', options.timeCost, PASSWORD_TIME_COST_FLOOR, PASSWORD_TIME_COST_FLOOR, 100),
		concurrency: whole('passwords.concurrency', options.concurrency, cores, 1, 256),
		queueLimit: whole('passwords.queueLimit', options.queueLimit, 64 * cores, 0, 100_000)
	}
}

function whole(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
	if (value === undefined) return fallback
	if (!Number.isInteger(value) || value < min || value > max)
		throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${value}`)
	return value
}

/** RFC 8414 §2: the issuer is an https (or, for development, http) URL without query or fragment. */
export function issuerUrl(name: string, value: string): string {
	let url: URL
	try {
		url = new URL(value)
	} catch {
		throw new ConfigError(name, `must be an absolute URL, got "${value}"`)
	}
	if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash)
		throw new ConfigError(name, 'must be an http(s) URL without query or fragment')
	return value.replace(/\/+$/, '')
}
