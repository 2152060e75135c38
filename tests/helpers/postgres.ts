/**
 * PostgreSQL for tests (docs/contract.md: `bun test` uses TEST_DATABASE_URL, makes and drops its
 * own databases, and skips the PostgreSQL tests with one note when no PostgreSQL answers there,
 * except under CI=true, where that is a failure). The server itself is never stopped or changed.
 *
 * Databases are named tessera_test_<pid>_<n>. A run in one process drops its own at its end; a
 * --parallel worker keeps its templates and their copies from file to file, and a reaper process
 * (tests/helpers/reaper.ts) drops them once the worker is gone. The next run drops those of
 * processes that are gone otherwise (a run that was killed), never another live run's.
 */
import { SQL } from 'bun'
import { join } from 'node:path'

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

/** Drops the test databases of processes that are gone. */
async function dropStale() {
	const rows: { datname: string }[] = await adminSql()`
		SELECT datname FROM pg_database WHERE starts_with(datname, ${PREFIX})`
	for (const { datname } of rows) {
		const pid = Number(datname.slice(PREFIX.length).split('_')[0])
		if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await dropDatabase(datname)
	}
}

/** Drops the test databases process `pid` made (tests/helpers/reaper.ts, once it is gone). */
export async function dropDatabasesOf(pid: number): Promise<void> {
	const rows: { datname: string }[] = await adminSql()`
		SELECT datname FROM pg_database WHERE starts_with(datname, ${`${PREFIX}${pid}_`})`
	for (const { datname } of rows) await dropDatabase(datname)
	await admin?.close()
}

/** In a --parallel worker (BUN_TEST_WORKER_ID), the reaper that drops its databases once it is gone. */
let reaper: Bun.Subprocess | null = null
function startReaper() {
	if (reaper || process.env.BUN_TEST_WORKER_ID === undefined) return
	reaper = Bun.spawn([process.execPath, join(import.meta.dir, 'reaper.ts'), String(process.pid)], {
		stdin: 'pipe',
		stdout: 'ignore',
		stderr: 'inherit'
	})
	// Its standard input stays open as long as this process lives, which does not wait for it.
	reaper.unref()
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
	startReaper()
	created.add(name)
	// Identifiers go through sql(name), Bun's identifier escaping; there are no values here.
	if (options.template) await sql`CREATE DATABASE ${sql(name)} TEMPLATE ${sql(options.template)}`
	else await sql`CREATE DATABASE ${sql(name)}`
	// No test here is about durability across a server crash: commits need not wait for the disk.
	await sql`ALTER DATABASE ${sql(name)} SET synchronous_commit = off`
	return { name, url: databaseUrl(name), drop: () => dropDatabase(name) }
}

export async function dropDatabase(name: string): Promise<void> {
	// FORCE: a test's pool may still hold connections (PostgreSQL 13+).
	await adminSql()`DROP DATABASE IF EXISTS ${adminSql()(name)} WITH (FORCE)`
	created.delete(name)
}

/** The schema in which a template keeps its tables' rows, for its copies to be restored from. */
const SEED = 'tessera_seed'
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * What DDL would change in a database (tables, columns, triggers, constraints, functions): a copy
 * whose catalog is no longer its template's is dropped instead of restored.
 */
const CATALOG = `SELECT md5(concat_ws('|',
	(SELECT string_agg(format('%s.%s.%s:%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)), ',' ORDER BY n.nspname, c.relname, a.attnum)
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND a.attnum > 0 AND NOT a.attisdropped),
	(SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger),
	(SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint),
	(SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
)) AS catalog`

/**
 * A database whose copies tests take: made by CREATE DATABASE … TEMPLATE the first time, and after
 * that restored, rows and sequences, to what the template holds (a copy takes ~350 ms of the
 * server's CPU to make and drop; a restore a few ms).
 */
export interface Template {
	name: string
	/** The SQL that restores a copy. */
	restore: string
	/** Its catalog's fingerprint (CATALOG). */
	catalog: string
	/** Copies restored and unused. */
	free: TestDatabase[]
}

/**
 * Makes a template of `database`, which must have no other open connection: its tables' rows are
 * kept aside in the schema tessera_seed, from which a copy's are restored in the order their
 * foreign keys need.
 */
export async function makeTemplate(database: TestDatabase): Promise<Template> {
	const sql = new SQL({ url: database.url, max: 1 })
	try {
		const tables: { name: string; refs: string[] }[] = await sql`
			SELECT c.relname AS name,
				coalesce(array_agg(f.relname) FILTER (WHERE f.relname IS NOT NULL AND f.oid <> c.oid), '{}') AS refs
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
			LEFT JOIN pg_class f ON f.oid = k.confrelid
			WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
			GROUP BY c.oid, c.relname`
		const order: string[] = []
		const visit = (name: string) => {
			if (order.includes(name)) return
			for (const ref of tables.find((table) => table.name === name)!.refs) visit(ref)
			order.push(name)
		}
		for (const { name } of tables) visit(name)
		const sequences: { name: string; last: string | null }[] = await sql`
			SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public'`
		await sql.unsafe(
			[
				`CREATE SCHEMA ${SEED}`,
				...order.map((name) => `CREATE TABLE ${SEED}.${quote(name)} AS TABLE public.${quote(name)}`)
			].join(';\n')
		)
		const [{ catalog }] = await sql.unsafe(CATALOG)
		const restore = [
			'BEGIN',
			'SET LOCAL synchronous_commit = off',
			// A few rows each: DELETE is cheaper than TRUNCATE, which makes new files for every table.
			...order.toReversed().map((name) => `DELETE FROM public.${quote(name)}`),
			...order.map(
				(name) =>
					`INSERT INTO public.${quote(name)} OVERRIDING SYSTEM VALUE SELECT * FROM ${SEED}.${quote(name)}`
			),
			...sequences.map(({ name, last }) =>
				last === null
					? `SELECT setval('public.${quote(name)}', 1, false)`
					: `SELECT setval('public.${quote(name)}', ${BigInt(last)})`
			),
			'COMMIT'
		].join(';\n')
		return { name: database.name, restore, catalog, free: [] }
	} finally {
		await sql.close()
	}
}

/**
 * A connection to each copy given back, kept for its next restore (a new one reads the catalog
 * cold); let go after a few idle seconds, as the server's connections are shared by every run.
 */
const keepers = new Map<string, SQL>()

/** A copy of `template`: one restored after an earlier test, else a new one. */
export async function takeCopy(template: Template): Promise<TestDatabase> {
	return template.free.pop() ?? createDatabase({ template: template.name })
}

/**
 * Restores a copy (or the template's own database) to the template's rows and sequences, once
 * nothing else uses it; throws when a test changed more than rows in it (its catalog differs).
 */
export async function restoreDatabase(template: Template, copy: TestDatabase): Promise<void> {
	let sql = keepers.get(copy.name)
	if (!sql) keepers.set(copy.name, (sql = new SQL({ url: copy.url, max: 1, idleTimeout: 5 })))
	const [{ catalog }] = await sql.unsafe(CATALOG)
	if (catalog !== template.catalog) throw new Error(`${copy.name}: its catalog is no longer the template's`)
	await sql.unsafe(template.restore)
}

/** Gives a copy back once nothing uses it: restored for the next test, else dropped. */
export async function giveBack(template: Template, copy: TestDatabase): Promise<void> {
	try {
		await restoreDatabase(template, copy)
		template.free.push(copy)
	} catch {
		await keepers.get(copy.name)?.close()
		keepers.delete(copy.name)
		await copy.drop()
	}
}

let testRunning = false
const afterThisTest: (() => Promise<void>)[] = []
const endOfFile: (() => Promise<void>)[] = []

/** Preloaded hooks (tests/helpers/setup.ts) around every test. */
export const testStarted = () => {
	testRunning = true
}
export async function testEnded(): Promise<void> {
	testRunning = false
	await Promise.all(afterThisTest.splice(0).map((done) => done().catch(() => {})))
}

/**
 * What to do once a test database is no longer used (close a store's pool, give back a copy): when
 * the test that made it ends, or, for one made outside a test (beforeAll), at the end of the file.
 */
export function whenDone(done: () => Promise<void>): void {
	;(testRunning ? afterThisTest : endOfFile).push(done)
}

/** What to do at the end of the file: close what it opened. */
export function atEndOfFile(done: () => Promise<void>): void {
	endOfFile.push(done)
}

/**
 * Runs what was left for the end of the file. In a --parallel worker that is all: its databases
 * serve the next file, and its reaper drops them. Else it is the end of the run (Bun runs a
 * preloaded afterAll after the last file), and every database this process made is dropped.
 */
export async function fileEnded(): Promise<void> {
	await Promise.all(endOfFile.splice(0).map((done) => done().catch(() => {})))
	if (!reaper) await dropCreatedDatabases()
}

/** Drops every database this process made (a script's end; a test run's, by fileEnded). */
export async function dropCreatedDatabases(): Promise<void> {
	await Promise.all([...keepers.values()].map((sql) => sql.close()))
	keepers.clear()
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
