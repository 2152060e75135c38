/**
 * A fresh Tessera per test: an in-memory database cloned from a template that is migrated and
 * seeded with the demo data once per test process (Argon2 and key generation are not free).
 *
 * Tests that are not about passwords hash with a cheap Argon2id (a few hundred µs); a test that
 * sets any PASSWORD_* variable, or asks for `realPasswords`, gets the configured cost.
 */
import { Database } from 'bun:sqlite'
import { createApp } from '../../src/server/app'
import { PasswordHasher } from '../../src/auth/password'
import { loadConfig, type Config, type ConfigDefaults } from '../../src/server/config'
import { createLogger } from '../../src/http/logger'
import { seedDemo } from '../../src/server/seed'
import { openSqliteDb, SqliteStore, type SqliteDb } from '../../src/store/sqlite'
import type { TesseraOptions } from '../../src/options'
import { tesseraOptions } from '../../src/server/options'
import type { ServerScope } from '../../src/server/scopes'
import { createTessera, type Tessera } from '../../src/tessera'

export const ISSUER = 'http://localhost'

export const TEST_ENV: Record<string, string> = {
	DATABASE_PATH: ':memory:',
	ISSUER,
	LOG_LEVEL: 'silent',
	REGISTRATION: 'open',
	// As in the demo, whose data the test database holds: the public client may grant admin.
	DEFAULT_CLIENT_SCOPES: 'profile posts:read posts:write admin'
}

/** Argon2id at a cost only tests may use: the server's configuration never goes below OWASP's. */
export function cheapHasher(config: Config): PasswordHasher {
	return new PasswordHasher({
		memoryKib: 256,
		timeCost: 1,
		concurrency: config.passwordConcurrency,
		queueLimit: config.passwordQueueLimit
	})
}

const templates = new Map<string, Promise<Uint8Array>>()

/** A serialized, seeded database per signing algorithm and hashing cost (keys live in the database). */
function template(env: Record<string, string>, real: boolean): Promise<Uint8Array> {
	const key = `${env.JWT_SECRET ? 'HS256' : (env.JWT_ALG ?? 'RS256')}:${real}`
	let bytes = templates.get(key)
	if (!bytes) {
		bytes = (async () => {
			const config = loadConfig({ ...TEST_ENV, ...env })
			const tessera = await createTessera({
				...tesseraOptions(config),
				logger: silent,
				...(real ? {} : { passwords: cheapHasher(config) })
			})
			await seedDemo(tessera)
			return sqliteOf(tessera).$client.serialize()
		})()
		templates.set(key, bytes)
	}
	return bytes
}

const silent = createLogger('silent')

/** The SQLite database under a test's Tessera, to look at rows directly. */
export function sqliteOf(tessera: Pick<Tessera, 'store'>): SqliteDb {
	if (!(tessera.store instanceof SqliteStore)) throw new Error('not a SQLite store')
	return tessera.store.db
}

export interface TestApp {
	tessera: Tessera<ServerScope>
	app: ReturnType<typeof createApp>
	/** Sends a request to the app; `path` is joined to http://localhost. */
	request(path: string, init?: RequestInit): Promise<Response>
}

export async function createTestApp(
	env: Record<string, string> = {},
	options: { log?: typeof silent; realPasswords?: boolean; clock?: () => number; defaults?: ConfigDefaults } = {}
): Promise<TestApp> {
	const config = loadConfig({ ...TEST_ENV, ...env }, options.defaults)
	const real = options.realPasswords ?? Object.keys(env).some((name) => name.startsWith('PASSWORD_'))
	const store = new SqliteStore(openSqliteDb(Database.deserialize(await template(env, real), { strict: true })))
	const tessera = await createTessera({
		...tesseraOptions(config),
		database: { store },
		logger: options.log ?? silent,
		...(real ? {} : { passwords: cheapHasher(config) }),
		...(options.clock ? { clock: options.clock } : {})
	})
	const app = createApp(tessera, config)
	return {
		tessera,
		app,
		request: (path, init) => app.handle(new Request(`${ISSUER}${path}`, init))
	}
}

/** The options the server would build from these settings (on top of the test defaults). */
export function serverOptions(env: Record<string, string> = {}): TesseraOptions<ServerScope> {
	return { ...tesseraOptions(loadConfig({ ...TEST_ENV, ...env })), logger: silent }
}
