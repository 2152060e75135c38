/**
 * A fresh Tessera per test: a database cloned from a template that is migrated and seeded with the
 * demo data once per test process (Argon2 and key generation are not free). The store is SQLite, an
 * in-memory database deserialized from the template's bytes; in the PostgreSQL pass of a file
 * (tests/postgres/, runOnPostgres below), a copy of a template database on the server at
 * TEST_DATABASE_URL, restored to the template's rows for the next test (tests/helpers/postgres.ts).
 *
 * Tests that are not about passwords hash with a cheap Argon2id (a few hundred µs); a test that
 * sets any PASSWORD_* variable, or asks for `realPasswords`, gets the configured cost.
 */
import { Database } from 'bun:sqlite'
import { afterAll, expect } from 'bun:test'
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
import {
	createDatabase,
	giveBack,
	makeTemplate,
	postgresAvailable,
	takeCopy,
	type Template,
	whenDone
} from './postgres'

/** The pass the file being loaded or run belongs to. */
let pass: 'sqlite' | 'postgres' = 'sqlite'
/** PostgreSQL apps made in this PostgreSQL pass: none would mean its file never ran anew. */
let postgresApps = 0

/** The store createTestApp gives the file being loaded or run. */
export const testStore = () => pass

/**
 * The PostgreSQL pass of a behaviour file: tests/postgres/<path> runs tests/<path> again, every
 * createTestApp on a PostgreSQL database of its own. Imported under a query, the file is evaluated
 * anew in this one (Bun keys modules by specifier), and its tests are this file's. Without a
 * PostgreSQL at TEST_DATABASE_URL there is nothing to run: one note, or, under CI=true, a failure.
 */
export async function runOnPostgres(twin: string): Promise<void> {
	if (!(await postgresAvailable())) return
	pass = 'postgres'
	postgresApps = 0
	afterAll(() => {
		pass = 'sqlite'
		expect({ twin, postgresApps: postgresApps > 0 }).toEqual({ twin, postgresApps: true })
	})
	await import(`${twin.replace('/tests/postgres/', '/tests/')}?postgres`)
}

/**
 * Tests that do not run on the test store (they bring their own: a database file, a process, a
 * PostgreSQL database; or need none): in a file that also has a PostgreSQL pass, they are
 * registered in the SQLite one only.
 */
export function storeIndependent(define: () => void): void {
	if (pass === 'sqlite') define()
}

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

const postgresTemplates = new Map<string, Promise<Template>>()

/** A migrated, seeded PostgreSQL database to copy. */
function postgresTemplate(env: Record<string, string>, real: boolean): Promise<Template> {
	const key = templateKey(env, real)
	let template = postgresTemplates.get(key)
	if (!template) {
		template = (async () => {
			const database = await createDatabase({ tag: 'template' })
			const store = await PostgresStore.open(database.url, { max: 2 })
			await seeded(env, real, store)
			await store.close()
			return makeTemplate(database)
		})()
		postgresTemplates.set(key, template)
	}
	return template
}

/** A test's PostgreSQL store: a copy of the template of its own, given back when the test ends. */
async function postgresCopy(env: Record<string, string>, real: boolean): Promise<PostgresStore> {
	const template = await postgresTemplate(env, real)
	const database = await takeCopy(template)
	// A small pool that lets go of idle connections at once: every run on the machine shares the
	// server's max_connections. Too many clients just now is waited out, a few times.
	let store: PostgresStore | undefined
	for (let attempt = 1; !store; attempt++)
		try {
			store = await PostgresStore.open(database.url, { migrate: false, max: 4, idleTimeout: 1 })
		} catch (error) {
			if (!(error instanceof StoreUnavailable) || attempt === 10) throw error
			await Bun.sleep(250 * attempt)
		}
	whenDone(async () => {
		await store.close().catch(() => {})
		await giveBack(template, database)
	})
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
	if (pass === 'postgres') postgresApps++
	const database =
		pass === 'postgres'
			? await postgresCopy(env, real)
			: new SqliteStore(
					openSqliteDb(Database.deserialize(await sqliteTemplate(env, real), { strict: true }))
				)
	const tessera = await createTessera({
		...tesseraOptions(config),
		database: { store: database },
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
