/**
 * docs/contract.md REVOCATION_MODE=cached (PostgreSQL): instances keep session state in memory and
 * are told of revocations by NOTIFY; across machines memory may lag by at most 1 s; an instance
 * that cannot be sure its memory is current (lost channel, store unreachable) reads the store or
 * refuses, and never serves a revoked session past the bound.
 *
 * Two instances in this process stand for two machines: each has its own pool, its own listener
 * and its own memory, and they share nothing but the database.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test'
import { createApp } from '../../src/server/app'
import { PostgresStore } from '../../src/store/postgres'
import { BOUND_MS } from '../../src/store/postgres/revocations'
import { createTessera, type Tessera } from '../../src/tessera'
import type { ServerScope } from '../../src/server/scopes'
import { cheapHasher, serverOptions, TEST_ENV } from '../helpers/app'
import { bearer, form } from '../helpers/http'
import { createDatabase, postgresAvailable, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy'
import { loadConfig } from '../../src/server/config'

// Real connections, listeners and timers: the machine's time, not the code's.
setDefaultTimeout(60_000)

const postgres = await postgresAvailable()

interface Instance {
	tessera: Tessera<ServerScope>
	request(path: string, init?: RequestInit): Promise<Response>
}

async function instance(url: string, revocation: 'strict' | 'cached'): Promise<Instance> {
	const store = await PostgresStore.open(url, { max: 4, revocation })
	const tessera = await createTessera({
		...serverOptions(),
		database: { store },
		passwords: cheapHasher(loadConfig(TEST_ENV))
	})
	const app = createApp(tessera, { registration: 'open' })
	return { tessera, request: (path, init) => app.handle(new Request(`http://localhost${path}`, init)) }
}

const loginAs = async (at: Instance, username: string) => {
	const response = await at.request(
		'/oauth/token',
		form({ grant_type: 'password', username, password: 'a long passphrase' })
	)
	expect(response.status).toBe(200)
	return ((await response.json()) as { access_token: string }).access_token
}

/**
 * Asks `at` for the token's user until it refuses: how long after the start the first refused
 * request was sent, and its status. A 200 to a request sent more than `limitMs` after the start
 * fails the test; the bound is on when a request is sent, not on when its answer arrives, which a
 * busy machine may delay.
 */
async function refusedWithin(at: Instance, token: string, limitMs: number) {
	const started = performance.now()
	for (;;) {
		const sent = performance.now() - started
		const { status } = await at.request('/users/me', bearer(token))
		if (status !== 200) return { ms: sent, status }
		if (sent > limitMs)
			throw new Error(`200 to a request sent ${sent.toFixed(0)} ms after the revocation`)
		await Bun.sleep(5)
	}
}

/** Until each instance's channel has proved itself (its heartbeat came back): it trusts its memory. */
async function channelsProved(...instances: Instance[]) {
	const deadline = performance.now() + 20_000
	while (instances.some((at) => Number.isNaN(at.tessera.store.freshness!.current()))) {
		if (performance.now() > deadline) throw new Error('a revocation channel never proved itself')
		await Bun.sleep(20)
	}
}

const throughProxy = (database: TestDatabase, proxy: TcpProxy) => {
	const url = new URL(database.url)
	url.hostname = '127.0.0.1'
	url.port = String(proxy.port)
	return url.toString()
}

describe.skipIf(!postgres)('REVOCATION_MODE=cached (docs/contract.md, Running several instances)', () => {
	let database: TestDatabase
	let a: Instance
	let b: Instance
	const users: string[] = []

	beforeAll(async () => {
		database = await createDatabase()
		a = await instance(database.url, 'cached')
		b = await instance(database.url, 'cached')
		for (let i = 0; i < 12; i++) {
			const username = `carol${i}`
			await a.tessera.users.create({ username, password: 'a long passphrase', scopes: ['profile'] })
			users.push(username)
		}
		await channelsProved(a, b)
	})

	afterAll(async () => {
		await a?.tessera.store.close()
		await b?.tessera.store.close()
	})

	test('docs/contract.md: memory serves while current; a logout on A is refused on B within 1 s, in every round', async () => {
		const observed: number[] = []
		for (let round = 0; round < 5; round++) {
			const token = await loginAs(a, users[round]!)
			// B has the principal in memory: of three requests, only the first reads the store.
			const reads = spyOn(b.tessera.store.sessions, 'findWithUser')
			for (let i = 0; i < 3; i++) expect((await b.request('/users/me', bearer(token))).status).toBe(200)
			expect(reads).toHaveBeenCalledTimes(1)
			reads.mockRestore()
			expect((await a.request('/auth/logout', { method: 'POST', ...bearer(token) })).status).toBe(204)
			// The revoking instance evicts before it answers: at once on A.
			expect((await a.request('/users/me', bearer(token))).status).toBe(401)
			observed.push((await refusedWithin(b, token, BOUND_MS)).ms)
		}
		console.info(
			`cached mode: logout on A refused on B after ${observed.map((ms) => ms.toFixed(1)).join(', ')} ms`
		)
	})

	test('docs/contract.md: a user disabled through the store (the CLI, another machine) is refused on both within 1 s', async () => {
		const token = await loginAs(a, users[6]!)
		for (const at of [a, b]) expect((await at.request('/users/me', bearer(token))).status).toBe(200)
		// Another writer entirely: a third store on the same database, as the CLI would be.
		const cli = await PostgresStore.open(database.url, { max: 1 })
		const user = await cli.users.findByUsername(users[6]!)
		await cli.users.update(user!.id, { disabled: true }, Math.floor(Date.now() / 1000))
		await cli.close()
		for (const at of [a, b]) expect((await refusedWithin(at, token, BOUND_MS)).status).toBe(403)
	})

	test('docs/contract.md: the listening connection killed (pg_terminate_backend): no revoked session served past the bound', async () => {
		const token = await loginAs(a, users[7]!)
		expect((await b.request('/users/me', bearer(token))).status).toBe(200)
		// Every listener connection (both instances'), as a network fault would drop them.
		const admin = await PostgresStore.open(TEST_DATABASE_URL, { max: 1, migrate: false })
		await admin.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = ${database.name} AND query ILIKE 'LISTEN%'`
		// Revoked while the channel is down: its NOTIFY may reach nobody.
		const user = await a.tessera.store.users.findByUsername(users[7]!)
		await admin.close()
		const ended = await a.tessera.sessions.endAllForUser(user!.id, 'admin')
		expect(ended).toHaveLength(1)
		expect((await refusedWithin(b, token, BOUND_MS)).status).toBe(401)
		// And it stays refused, also after the listener is back.
		await channelsProved(b)
		expect((await b.request('/users/me', bearer(token))).status).toBe(401)
	})

	test('docs/contract.md: the database cut: memory is distrusted within 1 s, requests get 503, never a 200; back afterwards', async () => {
		const proxy = startTcpProxy({
			hostname: new URL(TEST_DATABASE_URL).hostname,
			port: Number(new URL(TEST_DATABASE_URL).port || 5432)
		})
		const c = await instance(throughProxy(database, proxy), 'cached')
		try {
			await channelsProved(c)
			const token = await loginAs(c, users[8]!)
			expect((await c.request('/users/me', bearer(token))).status).toBe(200)
			proxy.cut()
			expect((await refusedWithin(c, token, BOUND_MS)).status).toBe(503)
			proxy.restore()
			let back = 0
			for (let i = 0; i < 100 && back !== 200; i++) {
				back = (await c.request('/users/me', bearer(token))).status
				await Bun.sleep(100)
			}
			expect(back).toBe(200)
		} finally {
			proxy.restore()
			await c.tessera.store.close()
			proxy.stop()
		}
	})

	test('docs/contract.md: strict mode never keeps session state in memory on PostgreSQL', async () => {
		const strict = await instance(database.url, 'strict')
		try {
			expect(strict.tessera.store.freshness).toBeNull()
			const token = await loginAs(strict, users[9]!)
			expect((await strict.request('/users/me', bearer(token))).status).toBe(200)
			expect((await a.request('/auth/logout', { method: 'POST', ...bearer(token) })).status).toBe(204)
			expect((await strict.request('/users/me', bearer(token))).status).toBe(401)
		} finally {
			await strict.tessera.store.close()
		}
	})
})
