import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { ConfigError, databaseLocation, DEMO_DEFAULTS, loadConfig } from '../src/server/config'

// Real processes: their start-up time is the machine's, not the code's.
setDefaultTimeout(60_000)

describe('loadConfig (docs/contract.md settings)', () => {
	test('docs/contract.md: defaults', () => {
		const config = loadConfig({})
		expect(config).toMatchObject({
			port: 3000,
			host: '127.0.0.1',
			databasePath: './data/tessera.sqlite',
			databaseUrl: null,
			issuer: 'http://localhost:3000',
			audience: 'http://localhost:3000',
			accessTokenTtlSeconds: 900,
			refreshTokenTtlSeconds: 1209600,
			sessionMaxAgeSeconds: 2592000,
			jwtAlg: 'RS256',
			jwtSecret: null,
			allowDefaultClient: true,
			registration: 'closed',
			refreshReuseGraceSeconds: 0,
			passwordMemoryKib: 19456,
			passwordTimeCost: 2,
			trustProxy: false,
			pruneIntervalSeconds: 3600,
			keyReloadIntervalSeconds: 60,
			logLevel: 'info',
			workers: 1
		})
		expect(Object.isFrozen(config)).toBe(true)
	})

	test('docs/contract.md: ISSUER follows PORT; AUDIENCE follows ISSUER', () => {
		expect(loadConfig({ PORT: '8080' }).issuer).toBe('http://localhost:8080')
		const config = loadConfig({ ISSUER: 'https://auth.example/' })
		expect(config.issuer).toBe('https://auth.example')
		expect(config.audience).toBe('https://auth.example')
	})

	test('docs/contract.md WORKERS: a whole number, or `auto` for one per core; the cores are shared for Argon2', () => {
		const cores = navigator.hardwareConcurrency
		expect(loadConfig({ WORKERS: '3' }).workers).toBe(3)
		expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(cores)
		expect(loadConfig({ WORKERS: 'AUTO' }).workers).toBe(cores)
		expect(loadConfig({ WORKERS: '4' }).passwordConcurrency).toBe(Math.ceil(cores / 4))
		expect(loadConfig({ WORKERS: '1' }).passwordConcurrency).toBe(cores)
		expect(loadConfig({ WORKERS: '4', PASSWORD_CONCURRENCY: '3' }).passwordConcurrency).toBe(3)
	})

	test('docs/contract.md KEY_RELOAD_INTERVAL: 1 to 60 seconds, so a rotated key is used everywhere within 60 s', () => {
		expect(loadConfig({ KEY_RELOAD_INTERVAL: '1' }).keyReloadIntervalSeconds).toBe(1)
		expect(() => loadConfig({ KEY_RELOAD_INTERVAL: '61' })).toThrow(/^KEY_RELOAD_INTERVAL: /)
		expect(() => loadConfig({ KEY_RELOAD_INTERVAL: '0' })).toThrow(/^KEY_RELOAD_INTERVAL: /)
	})

	test('docs/contract.md WORKERS: more than one with DATABASE_PATH=:memory: is a bad setting (a database per process)', () => {
		expect(() => loadConfig({ WORKERS: '2', DATABASE_PATH: ':memory:' })).toThrow(
			/^WORKERS: must be 1 with DATABASE_PATH=:memory:/
		)
		expect(loadConfig({ WORKERS: '1', DATABASE_PATH: ':memory:' }).workers).toBe(1)
	})

	test('docs/contract.md: DEFAULT_CLIENT_SCOPES is every scope but admin with `bun run start`, every scope in the demo', () => {
		expect(loadConfig({}).defaultClientScopes).toEqual(['profile', 'posts:read', 'posts:write'])
		expect(loadConfig({}, DEMO_DEFAULTS).defaultClientScopes).toEqual([
			'profile',
			'posts:read',
			'posts:write',
			'admin'
		])
		// Space- or comma-separated, in any order; written out in catalog order.
		expect(loadConfig({ DEFAULT_CLIENT_SCOPES: 'posts:read, profile' }).defaultClientScopes).toEqual([
			'profile',
			'posts:read'
		])
		expect(() => loadConfig({ DEFAULT_CLIENT_SCOPES: 'profile superuser' })).toThrow(
			'DEFAULT_CLIENT_SCOPES: must be scopes from the catalog (profile posts:read posts:write admin), got "superuser"'
		)
	})

	test('docs/contract.md: JWT_SECRET switches to HS256', () => {
		expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jwtAlg).toBe('HS256')
	})

	test.each([
		['PORT', 'abc'],
		['PORT', '70000'],
		['ACCESS_TOKEN_TTL', '0'],
		['JWT_ALG', 'none'],
		['JWT_ALG', 'HS256'],
		['JWT_SECRET', 'too-short'],
		['ISSUER', 'not a url'],
		['ISSUER', 'https://x.example/?q=1'],
		['ALLOW_DEFAULT_CLIENT', 'maybe'],
		['DEFAULT_CLIENT_SCOPES', 'profile superuser'],
		['DEFAULT_CLIENT_SCOPES', ', ,'],
		['REGISTRATION', 'sometimes'],
		['PASSWORD_MEMORY_KIB', '1024'],
		['PASSWORD_TIME_COST', '1'],
		['LOG_LEVEL', 'loud'],
		['WORKERS', '0'],
		['WORKERS', 'many'],
		['WORKERS', '-2'],
		['WORKERS', '1.5'],
		['WORKERS', '100000']
	])('docs/contract.md: a bad %s (%s) stops start-up with one line naming it', (name, value) => {
		let error: unknown
		try {
			loadConfig({ [name]: value })
		} catch (e) {
			error = e
		}
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toStartWith(`${name}: `)
		expect((error as Error).message).not.toContain('\n')
	})

	test('docs/contract.md: DATABASE_URL (postgres:// or postgresql://) selects PostgreSQL; logs show it without its password', () => {
		for (const scheme of ['postgres', 'postgresql']) {
			const config = loadConfig({
				DATABASE_URL: `${scheme}://tessera:s3cret@db.example:5433/auth?sslmode=require`
			})
			expect(config.databaseUrl).toBe(`${scheme}://tessera:s3cret@db.example:5433/auth?sslmode=require`)
			expect(databaseLocation(config)).toBe(`${scheme}://tessera@db.example:5433/auth`)
		}
		expect(databaseLocation(loadConfig({ DATABASE_PATH: ':memory:' }))).toBe(':memory:')
	})

	test('docs/contract.md: DATABASE_URL together with DATABASE_PATH is a bad setting naming both', () => {
		expect(() => loadConfig({ DATABASE_URL: 'postgres://db/auth', DATABASE_PATH: './x.sqlite' })).toThrow(
			/^DATABASE_URL: .*DATABASE_PATH/
		)
	})

	test('docs/contract.md: a DATABASE_URL of another scheme is a bad setting that does not echo the URL', () => {
		let error: unknown
		try {
			loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/auth' })
		} catch (e) {
			error = e
		}
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toStartWith('DATABASE_URL: ')
		expect((error as Error).message).not.toContain('hunter2')
	})

	test('docs/contract.md: `bun run start` with a bad setting exits 1 with one line on stderr', async () => {
		const proc = Bun.spawn(['bun', 'src/server/main.ts'], {
			env: { ...process.env, PORT: 'abc' },
			stderr: 'pipe',
			stdout: 'pipe'
		})
		expect(await proc.exited).toBe(1)
		const stderr = (await new Response(proc.stderr).text()).trim()
		expect(stderr).toBe('tessera: bad setting PORT: must be a whole number, got "abc"')
	})
})
