/**
 * docs/contract.md (Running several instances): "When the store is unreachable, requests that need
 * it answer 503 with {"error":"temporarily_unavailable"} and Retry-After; /health answers 503; the
 * process stays up and serves normally once the store is back, without a restart."
 *
 * Outages are made with a TCP proxy in front of the test PostgreSQL (tests/helpers/tcp-proxy.ts):
 * cut (connections reset, new ones refused) and stalled (open, but nothing passes). The server
 * itself is never touched.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createApp } from '../../src/server/app'
import { loadConfig } from '../../src/server/config'
import { PostgresStore } from '../../src/store/postgres'
import { createTessera } from '../../src/tessera'
import { cheapHasher, ISSUER, serverOptions, TEST_ENV } from '../helpers/app'
import { bearer, form } from '../helpers/http'
import { createDatabase, postgresAvailable, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres'
import { spawnServer, type ServerProcess } from '../helpers/process'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy'

const postgres = await postgresAvailable()

const UNAVAILABLE = {
	error: 'temporarily_unavailable',
	error_description: 'The database is unavailable; try again shortly'
}

/** The test database's URL, through the proxy. */
function throughProxy(database: TestDatabase, proxy: TcpProxy): string {
	const url = new URL(database.url)
	url.hostname = '127.0.0.1'
	url.port = String(proxy.port)
	return url.toString()
}

function upstream() {
	const url = new URL(TEST_DATABASE_URL)
	return { hostname: url.hostname, port: Number(url.port || 5432) }
}

const login = (username = 'carol', password = 'a long passphrase') =>
	form({ grant_type: 'password', username, password })

async function expectUnavailable(response: Response) {
	expect(response.status).toBe(503)
	expect(response.headers.get('retry-after')).toBe('1')
	expect(await response.json()).toEqual(UNAVAILABLE)
}

/** Polls until `ok` holds, within `seconds`. */
async function eventually(ok: () => Promise<boolean>, seconds: number) {
	const until = Date.now() + seconds * 1000
	while (Date.now() < until) {
		if (await ok()) return
		await Bun.sleep(100)
	}
	throw new Error(`not within ${seconds} s`)
}

describe.skipIf(!postgres)('PostgreSQL outage, in process', () => {
	let proxy: TcpProxy
	let database: TestDatabase
	let store: PostgresStore
	let request: (path: string, init?: RequestInit) => Promise<Response>
	let accessToken: string

	beforeAll(async () => {
		proxy = startTcpProxy(upstream())
		database = await createDatabase({ tag: 'outage' })
		store = await PostgresStore.open(throughProxy(database, proxy), { max: 4 })
		const config = loadConfig(TEST_ENV)
		const tessera = await createTessera({
			...serverOptions(),
			database: { store },
			passwords: cheapHasher(config)
		})
		await tessera.users.create({ username: 'carol', password: 'a long passphrase', scopes: ['profile'] })
		const app = createApp(tessera, config)
		request = (path, init) => app.handle(new Request(`${ISSUER}${path}`, init))
		const tokens = (await (await request('/oauth/token', login())).json()) as { access_token: string }
		accessToken = tokens.access_token
	}, 30_000)
	// Closing waits a few seconds for a query lost in the stalled network.
	afterAll(async () => {
		proxy.stop()
		await store.close()
		await database.drop()
	}, 30_000)

	test('docs/contract.md: with the database cut, requests that need it answer 503 temporarily_unavailable with Retry-After; the store recovers by itself', async () => {
		expect((await request('/health')).status).toBe(200)
		proxy.cut()
		try {
			await expectUnavailable(await request('/health'))
			await expectUnavailable(await request('/oauth/token', login()))
			await expectUnavailable(await request('/users/me', bearer(accessToken)))
			await expectUnavailable(await request('/posts'))
			// What needs no database still answers.
			expect((await request('/.well-known/oauth-authorization-server')).status).toBe(200)
		} finally {
			proxy.restore()
		}
		await eventually(async () => (await request('/health')).status === 200, 10)
		expect((await request('/oauth/token', login())).status).toBe(200)
		expect((await request('/users/me', bearer(accessToken))).status).toBe(200)
	}, 30_000)

	test('docs/contract.md: with the network stalled (nothing answers), a request gets 503 within seconds, not a hang', async () => {
		proxy.stall()
		try {
			const started = performance.now()
			await expectUnavailable(await request('/users/me', bearer(accessToken)))
			expect(performance.now() - started).toBeLessThan(10_000)
		} finally {
			proxy.restore()
		}
		await eventually(async () => (await request('/users/me', bearer(accessToken))).status === 200, 15)
	}, 30_000)
})

describe.skipIf(!postgres)('PostgreSQL outage, `bun run start` as a process', () => {
	test('docs/contract.md: the server stays up through an outage (/health 503) and serves again once the database is back', async () => {
		const proxy = startTcpProxy(upstream())
		const database = await createDatabase({ tag: 'outage' })
		let server: ServerProcess | undefined
		try {
			// DATABASE_PATH emptied: the helper's default would make the pair a bad setting.
			server = await spawnServer({
				DATABASE_PATH: '',
				DATABASE_URL: throughProxy(database, proxy),
				REGISTRATION: 'open'
			})
			const { base, proc } = server
			const health = () =>
				fetch(`${base}/health`).then(
					(r) => r.status,
					() => 0
				)
			const register = await fetch(`${base}/users`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ username: 'carol', password: 'a long passphrase' })
			})
			expect(register.status).toBe(201)
			proxy.cut()
			for (let i = 0; i < 3; i++) {
				await expectUnavailable(await fetch(`${base}/health`))
				await expectUnavailable(await fetch(`${base}/oauth/token`, login()))
				await Bun.sleep(300)
			}
			expect(proc.exitCode).toBeNull()
			proxy.restore()
			await eventually(async () => (await health()) === 200, 15)
			expect((await fetch(`${base}/oauth/token`, login())).status).toBe(200)
			expect(proc.exitCode).toBeNull()
			expect(await server.stop()).toBe(0)
			// The outage is in the logs (503s, and why); nothing crashed or failed otherwise.
			expect(server.lines.filter((line) => line.status === 500)).toEqual([])
			expect(server.lines.filter((line) => line.status === 503).length).toBeGreaterThanOrEqual(6)
			expect(server.lines.find((line) => line.msg === 'database unavailable')).toMatchObject({
				level: 'warn',
				detail: expect.stringContaining('ERR_POSTGRES_CONNECTION')
			})
			expect(server.lines.filter((line) => line.level === 'error')).toEqual([])
		} finally {
			server?.proc.kill('SIGKILL')
			proxy.stop()
			await database.drop()
		}
	}, 60_000)
})
