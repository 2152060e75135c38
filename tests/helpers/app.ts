/**
 * A fresh Tessera per test: an in-memory database cloned from a template that is migrated and
 * seeded with the demo data once per test process (Argon2 and key generation are not free).
 */
import { Database } from 'bun:sqlite'
import { createApp } from '../../src/app'
import { loadConfig, type ConfigDefaults } from '../../src/config'
import { openDatabase } from '../../src/db/client'
import { seedDemo } from '../../src/db/seed'
import { createLogger } from '../../src/http/logger'
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

const templates = new Map<string, Promise<Uint8Array>>()

/** A serialized, seeded database per signing algorithm (keys live in the database). */
function template(env: Record<string, string>): Promise<Uint8Array> {
	const key = env.JWT_SECRET ? 'HS256' : (env.JWT_ALG ?? 'RS256')
	let bytes = templates.get(key)
	if (!bytes) {
		bytes = (async () => {
			const tessera = await createTessera({ config: loadConfig({ ...TEST_ENV, ...env }), log: silent })
			await seedDemo(tessera)
			return tessera.db.$client.serialize()
		})()
		templates.set(key, bytes)
	}
	return bytes
}

const silent = createLogger('silent')

export interface TestApp {
	tessera: Tessera
	app: ReturnType<typeof createApp>
	/** Sends a request to the app; `path` is joined to http://localhost. */
	request(path: string, init?: RequestInit): Promise<Response>
}

export async function createTestApp(
	env: Record<string, string> = {},
	options: { log?: typeof silent; defaults?: ConfigDefaults } = {}
): Promise<TestApp> {
	const config = loadConfig({ ...TEST_ENV, ...env }, options.defaults)
	const db = openDatabase(Database.deserialize(await template(env), { strict: true }))
	const tessera = await createTessera({ config, db, log: options.log ?? silent })
	const app = createApp(tessera)
	return {
		tessera,
		app,
		request: (path, init) => app.handle(new Request(`${ISSUER}${path}`, init))
	}
}
