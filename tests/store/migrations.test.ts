/**
 * docs/contract.md "Library": Tessera's tables live beside a host app's own in one database, and
 * a library user's database gets only the tables the token server needs. Also: a database made
 * before Tessera's migrations had their own table (drizzle/sqlite-legacy) is brought forward
 * with its data.
 */
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { createTessera } from '../../src/index'
import { createApp } from '../../src/server/app'
import { migrationsFolder } from '../../src/store/migrations'
import { openSqliteDb } from '../../src/store/sqlite'
import { loadConfig } from '../../src/server/config'
import { serverOptions, sqliteOf } from '../helpers/app'

const dir = mkdtempSync(join(tmpdir(), 'tessera-migrations-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(dir, `db-${files++}.sqlite`)

/** Every table and index, with its SQL (quoting aside), and what the tables hold. */
function snapshot(sqlite: Database, filter = (_name: string) => true) {
	const objects = sqlite
		.query<{ type: string; name: string; tbl_name: string; sql: string | null }, []>(
			"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
		)
		.all()
		.filter((object) => filter(object.tbl_name))
		.map((object) => ({ ...object, sql: object.sql?.replaceAll('"', '`').replace(/\s+/g, ' ') ?? null }))
	const rows = Object.fromEntries(
		objects
			.filter((object) => object.type === 'table')
			.map((object) => [object.name, sqlite.query(`SELECT * FROM "${object.name}"`).all()])
	)
	return { objects, rows }
}

const names = (sqlite: Database, type: 'table' | 'index') =>
	sqlite
		.query<{ name: string }, [string]>(
			"SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name"
		)
		.all(type)
		.map((row) => row.name)

const library = (path: string) =>
	createTessera({
		database: { path },
		issuer: 'https://id.example.com',
		scopes: { 'orders:read': 'Read your orders' },
		logger: 'silent'
	})

describe("a host app's database", () => {
	test('its own tables, indexes, rows and Drizzle migrations stay exactly as they were', async () => {
		const path = freshFile()
		const host = new Database(path, { create: true })
		// Names a host app may well use: the ones Tessera's tables and indexes had before their prefix.
		host.exec(`
			CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
			CREATE INDEX users_disabled_idx ON users (disabled);
			CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id INTEGER REFERENCES users (id));
			CREATE INDEX sessions_user_idx ON sessions (user_id);
			CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);
			CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric);
			INSERT INTO users (email) VALUES ('ann@example.com'), ('bob@example.com');
			INSERT INTO sessions VALUES ('s1', 1), ('orphan', 99);
			INSERT INTO posts (body) VALUES ('hello');
			INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('host', 1900000000000);
		`)
		const before = snapshot(host)
		host.close()

		const tessera = await library(path)
		await tessera.users.create({
			username: 'carol',
			password: 'a long passphrase',
			scopes: ['orders:read']
		})
		await tessera.store.close()
		// Twice: a second start finds nothing to do.
		await (await library(path)).store.close()

		const after = new Database(path)
		expect(
			snapshot(after, (table) => !table.startsWith('tessera_') && table !== '__tessera_migrations')
		).toEqual(before)
		expect(names(after, 'table')).toEqual([
			'__drizzle_migrations',
			'__tessera_migrations',
			'posts',
			'sessions',
			'tessera_audit_events',
			'tessera_clients',
			'tessera_login_throttle',
			'tessera_refresh_tokens',
			'tessera_sessions',
			'tessera_signing_keys',
			'tessera_users',
			'users'
		])
		for (const index of names(after, 'index'))
			expect(
				['users_disabled_idx', 'sessions_user_idx'].includes(index) || index.startsWith('tessera_')
			).toBe(true)
		after.close()
	})

	test('the library adds no demo posts table; the server app does, under its own migrations', async () => {
		const path = freshFile()
		const tessera = await library(path)
		expect(names(sqliteOf(tessera).$client, 'table')).not.toContain('posts')
		await tessera.store.close()

		const server = await createTessera({ ...serverOptions(), database: { path } })
		createApp(server, loadConfig({ DATABASE_PATH: path, LOG_LEVEL: 'silent' }))
		const tables = names(sqliteOf(server).$client, 'table')
		expect(tables).toContain('posts')
		expect(tables).toContain('__tessera_posts_migrations')
		await server.store.close()
	})
})

describe('a database made before Tessera had its own migrations table', () => {
	/** What drizzle/sqlite-legacy made, up to `steps` of its migrations, with a user and a session. */
	function legacyDatabase(steps: number): string {
		const path = freshFile()
		const sqlite = new Database(path, { create: true })
		sqlite.exec('PRAGMA foreign_keys = OFF')
		const legacy = migrationsFolder('sqlite-legacy')
		if (steps === 1) {
			// Only the first migration: a journal that stops there.
			const only = join(dir, `legacy-${files}`)
			Bun.spawnSync(['cp', '-r', legacy, only])
			const journal = JSON.parse(
				require('node:fs').readFileSync(join(only, 'meta/_journal.json'), 'utf8')
			)
			journal.entries = journal.entries.slice(0, 1)
			require('node:fs').writeFileSync(join(only, 'meta/_journal.json'), JSON.stringify(journal))
			migrate(drizzle({ client: sqlite }), { migrationsFolder: only })
		} else migrate(drizzle({ client: sqlite }), { migrationsFolder: legacy })
		const prefix = steps === 1 ? '' : 'tessera_'
		sqlite.exec(`
			INSERT INTO ${prefix}users (username, password_hash, scopes) VALUES ('olduser', '$argon2id$v=19$m=19456,t=2,p=1$x$y', 'profile');
			INSERT INTO ${prefix}clients (id, grants, scopes) VALUES ('default', 'password', 'profile');
			INSERT INTO ${prefix}sessions (id, user_id, client_id, scope, expires_at) VALUES ('s1', 1, 'default', 'profile', 4000000000);
		`)
		sqlite.close()
		return path
	}

	for (const steps of [1, 2])
		test(`after ${steps} of its migrations: its data is kept and its schema becomes today's`, async () => {
			const path = legacyDatabase(steps)
			const db = openSqliteDb(path)
			const today = openSqliteDb(':memory:')
			const tessera = (name: string) => name.startsWith('tessera_')
			// The same tables and indexes as a database made today (the posts table the old
			// history made stays: it is the server app's).
			expect(snapshot(db.$client, tessera).objects).toEqual(snapshot(today.$client, tessera).objects)
			expect(names(db.$client, 'table')).not.toContain('__drizzle_migrations')
			expect(db.$client.query('SELECT username FROM tessera_users').all()).toEqual([
				{ username: 'olduser' }
			])
			expect(db.$client.query('SELECT id FROM tessera_sessions').all()).toEqual([{ id: 's1' }])
			db.$client.close()
			// And it opens again as any other.
			openSqliteDb(path).$client.close()
		})
})
