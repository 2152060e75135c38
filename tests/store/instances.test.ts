/**
 * docs/contract.md, Running several instances, on PostgreSQL: N `bun run start` processes sharing
 * one DATABASE_URL behave as one server. Instances starting together on a new database migrate it
 * once and create one signing key; a token issued by one works on the others; concurrent refreshes
 * of one token spread over instances have exactly one winner. And the CLI works on the same store.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrationsFolder } from '../../src/store/migrations'
import { runCli } from '../helpers/cli'
import { bearer, form } from '../helpers/http'
import { createDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres'
import { spawnServer, type ServerProcess } from '../helpers/process'

const postgres = await postgresAvailable()
const INSTANCES = 3

type Instance = ServerProcess

function startInstance(url: string): Promise<Instance> {
	return spawnServer({
		// DATABASE_PATH emptied: the helper's default would make the pair a bad setting.
		DATABASE_PATH: '',
		DATABASE_URL: url,
		// One server to its clients: one issuer (by default it would name each instance's port).
		ISSUER: 'https://auth.example',
		REGISTRATION: 'open',
		REFRESH_REUSE_GRACE: '60'
	})
}

describe.skipIf(!postgres)('several instances on one PostgreSQL database (docs/contract.md)', () => {
	let database: TestDatabase
	let instances: Instance[]

	beforeAll(async () => {
		database = await createDatabase({ tag: 'instances' })
		// Started together, on a database with no tables yet.
		instances = await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(database.url)))
	}, 90_000)

	afterAll(async () => {
		await Promise.all((instances ?? []).map((instance) => instance.stop()))
		await database?.drop()
	}, 30_000)

	test('docs/contract.md Running several instances: instances starting together migrate once and create one signing key', async () => {
		const sql = new SQL({ url: database.url, max: 1 })
		try {
			const entries = (folder: string) =>
				JSON.parse(readFileSync(join(migrationsFolder(folder), 'meta/_journal.json'), 'utf8')).entries
					.length
			const [{ applied }] = await sql`SELECT count(*)::int AS applied FROM drizzle.__tessera_migrations`
			expect(applied).toBe(entries('postgres'))
			// The server app's own table (posts), in its own record.
			const [{ posts }] =
				await sql`SELECT count(*)::int AS posts FROM drizzle.__tessera_posts_migrations`
			expect(posts).toBe(entries('postgres-posts'))
			const keys = await sql`SELECT kid FROM tessera_signing_keys`
			expect(keys).toHaveLength(1)
		} finally {
			await sql.close()
		}
		const jwks = await Promise.all(
			instances.map(async ({ base }) => (await fetch(`${base}/.well-known/jwks.json`)).json())
		)
		for (const set of jwks) expect(set).toEqual(jwks[0])
	})

	test('docs/contract.md Running several instances: a token issued by one instance works on every instance; logout on one ends it everywhere', async () => {
		const [a, b, c] = instances as [Instance, Instance, Instance]
		const register = await fetch(`${a.base}/users`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'dana', password: 'a long passphrase' })
		})
		expect(register.status).toBe(201)
		// Usernames are unique across instances regardless of letter case.
		const again = await fetch(`${b.base}/users`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'DANA', password: 'a long passphrase' })
		})
		expect(again.status).toBe(409)
		const login = await fetch(
			`${b.base}/oauth/token`,
			form({
				grant_type: 'password',
				username: 'dana',
				password: 'a long passphrase',
				scope: 'profile'
			})
		)
		expect(login.status).toBe(200)
		const { access_token } = (await login.json()) as { access_token: string }
		for (const { base } of instances)
			expect((await fetch(`${base}/users/me`, bearer(access_token))).status).toBe(200)
		expect((await fetch(`${c.base}/auth/logout`, bearer(access_token, { method: 'POST' }))).status).toBe(
			204
		)
		for (const { base } of instances)
			expect((await fetch(`${base}/users/me`, bearer(access_token))).status).toBe(401)
	})

	test('docs/contract.md Running several instances: concurrent refreshes of one token spread over instances, exactly one succeeds (10 rounds)', async () => {
		for (let round = 0; round < 10; round++) {
			const login = await fetch(
				`${instances[round % INSTANCES]!.base}/oauth/token`,
				form({
					grant_type: 'password',
					username: 'dana',
					password: 'a long passphrase',
					scope: 'profile'
				})
			)
			const { refresh_token } = (await login.json()) as { refresh_token: string }
			const statuses = await Promise.all(
				Array.from({ length: 12 }, (_, i) =>
					fetch(
						`${instances[i % INSTANCES]!.base}/oauth/token`,
						form({ grant_type: 'refresh_token', refresh_token })
					).then((r) => r.status)
				)
			)
			expect(statuses.filter((s) => s === 200)).toHaveLength(1)
			expect(statuses.filter((s) => s === 400)).toHaveLength(11)
		}
	}, 60_000)

	test('docs/contract.md Admin CLI: `db migrate` and `users list` work on the PostgreSQL store, and the URL is shown without its password', async () => {
		const url = new URL(database.url)
		url.password = 'not-shown'
		const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: url.toString() } })
		const migrate = await cli('db', 'migrate', '--json')
		expect(migrate.code).toBe(0)
		const result = JSON.parse(migrate.stdout)
		expect(result.database).not.toContain('not-shown')
		expect(result.migrations).toBeGreaterThan(0)
		const users = await cli('users', 'list', '--json')
		expect(users.code).toBe(0)
		expect(users.stdout).toContain('dana')
	})
})
