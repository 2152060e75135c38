/**
 * PostgreSQL for tests (docs/contract.md: `bun test` uses TEST_DATABASE_URL, makes and drops its
 * own databases, and skips the PostgreSQL tests with one note when no PostgreSQL answers there,
 * except under CI=true, where that is a failure). The server itself is never stopped or changed.
 *
 * Databases are named tessera_test_<pid>_<n>: a run drops its own when done, and the next run
 * drops those of processes that are gone (a run that was killed), never another live run's.
 */
import { SQL } from 'bun'

export const TEST_DATABASE_URL =
	process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres'

const PREFIX = 'tessera_test_'
let counter = 0
let admin: SQL | null = null
let availability: Promise<boolean> | null = null
const created = new Set<string>()

function adminSql(): SQL {
	admin ??= new SQL({
		url: TEST_DATABASE_URL,
		max: 4,
		idleTimeout: 5,
		connectionTimeout: 3,
		// CREATE DATABASE copies the template through the WAL: not waiting for each flush halves it.
		// Test databases need no durability.
		connection: { synchronous_commit: 'off', application_name: 'tessera-tests' }
	})
	return admin
}

/** The URL of another database on the same server. */
export function databaseUrl(name: string): string {
	const url = new URL(TEST_DATABASE_URL)
	url.pathname = `/${encodeURIComponent(name)}`
	return url.toString()
}

/**
 * Whether PostgreSQL answers at TEST_DATABASE_URL. When it does not: one note for the whole run
 * and false, or, under CI=true, a rejection (the suite must not pass by skipping).
 */
export function postgresAvailable(): Promise<boolean> {
	availability ??= (async () => {
		try {
			await adminSql()`SELECT 1`
			await dropStale()
			return true
		} catch (error) {
			const where = new URL(TEST_DATABASE_URL)
			where.password = ''
			const why = error instanceof Error ? error.message : String(error)
			if (process.env.CI === 'true')
				throw new Error(`CI=true and no PostgreSQL answers at TEST_DATABASE_URL ${where} (${why})`)
			console.warn(
				`note: no PostgreSQL answers at TEST_DATABASE_URL ${where} (${why}); PostgreSQL tests are skipped`
			)
			return false
		}
	})()
	return availability
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0)
		return true
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM'
	}
}

/** Drops the test databases of runs that are gone. */
async function dropStale() {
	const rows: { datname: string }[] = await adminSql()`
		SELECT datname FROM pg_database WHERE starts_with(datname, ${PREFIX})`
	for (const { datname } of rows) {
		const pid = Number(datname.slice(PREFIX.length).split('_')[0])
		if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await dropDatabase(datname)
	}
}

export interface TestDatabase {
	name: string
	url: string
	drop(): Promise<void>
}

/** A new empty database, or a copy of `template` (which must have no open connection). */
export async function createDatabase(
	options: { template?: string; tag?: string } = {}
): Promise<TestDatabase> {
	const name = `${PREFIX}${process.pid}_${options.tag ? `${options.tag}_` : ''}${++counter}`
	const sql = adminSql()
	created.add(name)
	// Identifiers go through sql(name), Bun's identifier escaping; there are no values here.
	if (options.template) await sql`CREATE DATABASE ${sql(name)} TEMPLATE ${sql(options.template)}`
	else await sql`CREATE DATABASE ${sql(name)}`
	return { name, url: databaseUrl(name), drop: () => dropDatabase(name) }
}

export async function dropDatabase(name: string): Promise<void> {
	// FORCE: a test's pool may still hold connections (PostgreSQL 13+).
	await adminSql()`DROP DATABASE IF EXISTS ${adminSql()(name)} WITH (FORCE)`
	created.delete(name)
}

const closers = new Set<() => Promise<void>>()

/** Something holding connections to a test database (a store's pool), closed before the drop. */
export function closeAtEnd(close: () => Promise<void>): void {
	closers.add(close)
}

/** Closes what was registered and drops every database this process made; for the end of a run. */
export async function dropCreatedDatabases(): Promise<void> {
	await Promise.all([...closers].map((close) => close().catch(() => {})))
	closers.clear()
	// A few at a time: each drop waits for the server to remove its files.
	const names = [...created]
	await Promise.all(
		Array.from({ length: 4 }, async () => {
			for (let name = names.pop(); name !== undefined; name = names.pop())
				await dropDatabase(name).catch(() => {})
		})
	)
	await admin?.close()
	admin = null
}
