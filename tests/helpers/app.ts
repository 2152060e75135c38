/**
 * A fresh Tessera per test: a database cloned from a template that is migrated and seeded with the
 * demo data once per test process (Argon2 and key generation are not free). TEST_STORE picks the
 * store: `sqlite` (default), an in-memory database deserialized from the template's bytes; or
 * `postgres` (`bun run test:postgres`), a database made by CREATE DATABASE … TEMPLATE on the
 * server at TEST_DATABASE_URL, dropped after the run (tests/helpers/postgres.ts).
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
import type { Store } from '../../src/store/port'
import { StoreUnavailable } from '../../src/errors'
import { PostgresStore } from '../../src/store/postgres'
import { openSqliteDb, SqliteStore, type SqliteDb } from '../../src/store/sqlite'
import type { TesseraOptions } from '../../src/options'
import { tesseraOptions } from '../../src/server/options'
import type { ServerScope } from '../../src/server/scopes'
import { createTessera, type Tessera } from '../../src/tessera'
import { closeAtEnd, createDatabase, postgresAvailable, type TestDatabase } from './postgres'

/** Which store the behaviour suite runs on (package.json `test:postgres`). */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite'

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

/** A Tessera seeded with the demo data, on `store` or on the settings' own (SQLite :memory:). */
async function seeded(
	env: Record<string, string>,
	real: boolean,
	store?: Store
): Promise<Tessera<ServerScope>> {
	const config = loadConfig({ ...TEST_ENV, ...env })
	const tessera = await createTessera({
		...tesseraOptions(config),
		...(store ? { database: { store } } : {}),
		logger: silent,
		...(real ? {} : { passwords: cheapHasher(config) })
	})
	await seedDemo(tessera)
	return tessera
}

/** One template per signing algorithm and hashing cost (keys and hashes live in the database). */
const templateKey = (env: Record<string, string>, real: boolean) =>
	`${env.JWT_SECRET ? 'HS256' : (env.JWT_ALG ?? 'RS256')}:${real}`

const sqliteTemplates = new Map<string, Promise<Uint8Array>>()

/** A serialized, seeded SQLite database. */
function sqliteTemplate(env: Record<string, string>, real: boolean): Promise<Uint8Array> {
	const key = templateKey(env, real)
	let bytes = sqliteTemplates.get(key)
	if (!bytes) {
		bytes = seeded(env, real).then((tessera) => sqliteOf(tessera).$client.serialize())
		sqliteTemplates.set(key, bytes)
	}
	return bytes
}

const postgresTemplates = new Map<string, Promise<string>>()
/** Per template, the next clone, made while the current test runs (a clone takes a few hundred ms). */
const spareClones = new Map<string, Promise<TestDatabase>>()

/** The name of a migrated, seeded PostgreSQL database, closed so that it can be copied. */
function postgresTemplate(env: Record<string, string>, real: boolean): Promise<string> {
	const key = templateKey(env, real)
	let name = postgresTemplates.get(key)
	if (!name) {
		name = (async () => {
			if (!(await postgresAvailable()))
				throw new Error('TEST_STORE=postgres, but no PostgreSQL answers')
			const database = await createDatabase({ tag: 'template' })
			const store = await PostgresStore.open(database.url, { max: 2 })
			await seeded(env, real, store)
			await store.close()
			return database.name
		})()
		postgresTemplates.set(key, name)
	}
	return name
}

async function postgresClone(env: Record<string, string>, real: boolean): Promise<PostgresStore> {
	const template = await postgresTemplate(env, real)
	const clone = spareClones.get(template) ?? createDatabase({ template })
	const next = createDatabase({ template })
	// A spare nobody takes is dropped with the rest at the end; its failure surfaces when taken.
	next.catch(() => {})
	spareClones.set(template, next)
	const database = await clone
	// A small pool that lets go of idle connections at once: a run makes hundreds of these apps, and
	// every run on the machine shares the server's max_connections. Too many clients just now is
	// waited out, a few times.
	let store: PostgresStore | undefined
	for (let attempt = 1; !store; attempt++)
		try {
			store = await PostgresStore.open(database.url, { migrate: false, max: 4, idleTimeout: 1 })
		} catch (error) {
			if (!(error instanceof StoreUnavailable) || attempt === 10) throw error
			await Bun.sleep(250 * attempt)
		}
	closeAtEnd(() => store.close())
	return store
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
	options: {
		log?: typeof silent
		realPasswords?: boolean
		clock?: () => number
		defaults?: ConfigDefaults
	} = {}
): Promise<TestApp> {
	const config = loadConfig({ ...TEST_ENV, ...env }, options.defaults)
	const real = options.realPasswords ?? Object.keys(env).some((name) => name.startsWith('PASSWORD_'))
	const store =
		TEST_STORE === 'postgres'
			? await postgresClone(env, real)
			: new SqliteStore(
					openSqliteDb(Database.deserialize(await sqliteTemplate(env, real), { strict: true }))
				)
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
