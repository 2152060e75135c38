/**
 * The stores a bench runs on, each as the environment a server (and the seeding, through
 * loadConfig) reads: a SQLite file in the bench's folder, or a PostgreSQL database that the bench
 * creates for itself and drops at the end, in strict and, where the build has it, cached
 * revocation mode. Nothing else in bench/ knows which store it talks to.
 *
 * PostgreSQL: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * names the server and a database to connect to for CREATE/DROP DATABASE; BENCH_POSTGRES=0 skips it.
 */
import { SQL } from 'bun'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../src/server/config'
import { SqliteStore } from '../src/store/sqlite'
import type { Tessera } from '../src/tessera'

export type Env = Record<string, string | undefined>

export interface BenchStore {
	/** For the table: `SQLite`, `PostgreSQL strict`, `PostgreSQL cached`. */
	label: string
	kind: 'sqlite' | 'postgres'
	/** The settings that select it; every other setting comes from the bench's environment. */
	env: Env
}

/** Whether this build's configuration reads `name` at all: a value it cannot accept is refused by name. */
function readsSetting(name: string, badValue: string): boolean {
	try {
		loadConfig({ [name]: badValue })
		return false
	} catch (error) {
		return error instanceof ConfigError && error.setting === name
	}
}

export function sqliteStore(dir: string, file = 'tessera.sqlite'): BenchStore {
	// DATABASE_URL from the caller's shell would select PostgreSQL (or be refused beside DATABASE_PATH).
	return {
		label: 'SQLite',
		kind: 'sqlite',
		env: { DATABASE_PATH: join(dir, file), DATABASE_URL: undefined }
	}
}

export interface PostgresDatabase {
	/** Strict mode, and cached mode when this build has REVOCATION_MODE. */
	stores: BenchStore[]
	drop(): Promise<void>
}

/**
 * A new database on the bench's PostgreSQL server, or why there is none: the build has no
 * PostgreSQL store, BENCH_POSTGRES=0, or no server answers.
 */
export async function postgresDatabase(env: Env): Promise<PostgresDatabase | { skipped: string }> {
	if (env.BENCH_POSTGRES === '0') return { skipped: 'BENCH_POSTGRES=0' }
	if (!readsSetting('DATABASE_URL', 'bench-probe://not-postgres'))
		return { skipped: 'this build has no PostgreSQL store (DATABASE_URL is not read)' }
	const adminUrl =
		env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
	const name = `tessera_bench_${process.pid}_${Date.now().toString(36)}`
	const admin = connect(adminUrl)
	try {
		await admin.unsafe(`CREATE DATABASE "${name}"`)
	} catch (error) {
		await admin.close().catch(() => {})
		return { skipped: `no PostgreSQL at ${redacted(adminUrl)} (${(error as Error).message})` }
	}
	const url = new URL(adminUrl)
	url.pathname = `/${name}`
	const base = { DATABASE_URL: url.toString(), DATABASE_PATH: undefined }
	const stores: BenchStore[] = [
		{ label: 'PostgreSQL strict', kind: 'postgres', env: { ...base, REVOCATION_MODE: 'strict' } }
	]
	if (readsSetting('REVOCATION_MODE', 'bench-probe'))
		stores.push({
			label: 'PostgreSQL cached',
			kind: 'postgres',
			env: { ...base, REVOCATION_MODE: 'cached' }
		})
	return {
		stores,
		async drop() {
			try {
				// FORCE (PostgreSQL 13+): a server killed mid-run may leave its connections behind.
				await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
			} finally {
				await admin.close()
			}
		}
	}
}

function connect(url: string): SQL {
	// Bun lets PGDATABASE override a URL's database; the URL is what was asked for.
	const database = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres'
	return new SQL({ url, database, max: 1, connectionTimeout: 3 })
}

const redacted = (value: string) => {
	const url = new URL(value)
	url.password = ''
	return url.toString()
}

/**
 * SQLite only: folds the WAL back into the database file after seeding, so the server starts on
 * a short WAL as a long-running one would have. Other stores need nothing.
 */
export function settle(tessera: Pick<Tessera, 'store'>) {
	if (tessera.store instanceof SqliteStore) tessera.store.db.$client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
}
