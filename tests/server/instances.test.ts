/**
 * docs/contract.md, Running several instances, on both stores: two real `bun run start` processes
 * (on one SQLite file, or on one PostgreSQL database) behave as one server. The bullets the other
 * process tests do not cover already are checked here from outside, by HTTP and the CLI.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { loadConfig } from '../../src/server/config'
import { tesseraOptions } from '../../src/server/options'
import type { Store } from '../../src/store/port'
import { PostgresStore } from '../../src/store/postgres'
import { SqliteStore } from '../../src/store/sqlite'
import { USERNAME_FREE_FAILURES } from '../../src/store/throttle-policy'
import { createTessera } from '../../src/tessera'
import { hashSecret } from '../../src/tokens/opaque'
import { runCli } from '../helpers/cli'
import { bearer, form, json } from '../helpers/http'
import { createDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres'
import { spawnServer, type ServerProcess } from '../helpers/process'

// Real processes: their time is the machine's, not the code's.
setDefaultTimeout(60_000)

const postgres = await postgresAvailable()
const PASSWORD = 'a long passphrase'

interface Setup {
	name: string
	available: boolean
	/** The settings that put a process (server or CLI) on the shared store. */
	env(): Promise<Record<string, string>>
	/** Another handle on the same store, as a separate program would have. */
	open(env: Record<string, string>): Promise<Store>
}

let database: TestDatabase | undefined
const setups: Setup[] = [
	{
		name: 'two processes on one SQLite file',
		available: true,
		env: async () => ({
			DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'tessera-instances-')), 'tessera.sqlite')
		}),
		open: async (env) => SqliteStore.open(env.DATABASE_PATH!)
	},
	{
		name: 'two instances on one PostgreSQL database',
		available: postgres,
		env: async () => {
			database = await createDatabase({ tag: 'pair' })
			return { DATABASE_PATH: '', DATABASE_URL: database.url }
		},
		open: async (env) => PostgresStore.open(env.DATABASE_URL!, { max: 2 })
	}
]

/** Open registration lets one address make 10 accounts before it throttles; this file makes 10. */
const register = (base: string, username: string) =>
	fetch(`${base}/users`, { method: 'POST', ...json({ username, password: PASSWORD }) })
const loginAt = (base: string, username: string, password = PASSWORD) =>
	fetch(`${base}/oauth/token`, form({ grant_type: 'password', username, password }))
async function tokensAt(base: string, username: string) {
	const response = await loginAt(base, username)
	expect(response.status).toBe(200)
	return (await response.json()) as { access_token: string; refresh_token: string }
}
const refreshAt = (base: string, refreshToken: string) =>
	fetch(`${base}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: refreshToken }))

/** The admin CLI on the shared store: one more program beside the servers (tests/helpers/cli.ts). */
const cli = (env: Record<string, string>, args: string[], stdin?: string) => runCli(args, { env, stdin })

for (const setup of setups)
	describe.skipIf(!setup.available)(`several instances: ${setup.name} (docs/contract.md)`, () => {
		let env: Record<string, string>
		let a: ServerProcess
		let b: ServerProcess
		let admin: string

		beforeAll(async () => {
			env = {
				...(await setup.env()),
				ISSUER: 'https://auth.example',
				REGISTRATION: 'open',
				// The administrator logs in through the public client, as in the demo.
				DEFAULT_CLIENT_SCOPES: 'profile posts:read posts:write admin',
				// The bound on signing with a rotated key, shortened from 60 s so a test can wait it out.
				KEY_RELOAD_INTERVAL: '1'
			}
			a = await spawnServer(env)
			b = await spawnServer(env)
			// An administrator, made with the CLI on the shared store.
			const added = await cli(
				env,
				['users', 'add', 'root', '--scopes', 'profile admin', '--password-stdin'],
				`${PASSWORD}\n`
			)
			expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' })
			admin = (await tokensAt(a.base, 'root')).access_token
		}, 90_000)

		afterAll(async () => {
			await a?.stop()
			await b?.stop()
			await database?.drop()
		}, 30_000)

		test('Running several instances: a rotated refresh token presented on B ends its family on A (RFC 9700 §4.14.2)', async () => {
			expect((await register(a.base, 'erin')).status).toBe(201)
			const first = await tokensAt(a.base, 'erin')
			const second = (await (await refreshAt(a.base, first.refresh_token)).json()) as typeof first
			expect((await refreshAt(b.base, first.refresh_token)).status).toBe(400)
			expect((await refreshAt(a.base, second.refresh_token)).status).toBe(400)
			for (const at of [a, b])
				expect((await fetch(`${at.base}/users/me`, bearer(second.access_token))).status).toBe(401)
		})

		test('Running several instances: login throttling counts across instances — guesses spread over both share one counter', async () => {
			expect((await register(b.base, 'frank')).status).toBe(201)
			for (let i = 0; i < USERNAME_FREE_FAILURES; i++)
				expect((await loginAt(i % 2 ? b.base : a.base, 'frank', `guess-${i}`)).status).toBe(400)
			// The fifth failure, wherever it was made, blocked the username (1 s at first, then doubling):
			// the next attempt is refused, or, if that block has run out on a slow machine, counted as
			// the sixth and blocked for longer.
			const store = await setup.open(env)
			try {
				const next = await store.throttle.admit(
					[{ key: `user:${hashSecret('frank')}`, freeFailures: USERNAME_FREE_FAILURES }],
					Math.floor(Date.now() / 1000)
				)
				expect('retryAfter' in next || next.blockSeconds >= 2).toBe(true)
			} finally {
				await store.close()
			}
		})

		test('Running several instances: one username registered at the same moment on both → one 201, the rest 409', async () => {
			const attempts = await Promise.all(
				Array.from({ length: 6 }, (_, i) =>
					register(i % 2 ? b.base : a.base, i % 2 ? 'Gina' : 'gina')
				)
			)
			expect(attempts.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409])
		})

		test('Running several instances: a password change on A ends the other sessions on B; so do a user disabled on B and a client deleted on A', async () => {
			expect((await register(a.base, 'hank')).status).toBe(201)
			const kept = await tokensAt(a.base, 'hank')
			const other = await tokensAt(b.base, 'hank')
			expect((await fetch(`${b.base}/users/me`, bearer(other.access_token))).status).toBe(200)
			const changed = await fetch(
				`${a.base}/users/me/password`,
				bearer(
					kept.access_token,
					json({ current_password: PASSWORD, new_password: 'another passphrase' }, 'PUT')
				)
			)
			expect(changed.status).toBe(204)
			expect((await fetch(`${b.base}/users/me`, bearer(other.access_token))).status).toBe(401)
			expect((await fetch(`${b.base}/users/me`, bearer(kept.access_token))).status).toBe(200)

			const me = (await (await fetch(`${a.base}/users/me`, bearer(kept.access_token))).json()) as {
				id: number
			}
			const disabled = await fetch(
				`${b.base}/admin/users/${me.id}`,
				bearer(admin, json({ disabled: true }, 'PATCH'))
			)
			expect(disabled.status).toBe(200)
			expect((await fetch(`${a.base}/users/me`, bearer(kept.access_token))).status).toBe(403)

			const created = await fetch(`${a.base}/admin/clients`, {
				method: 'POST',
				...bearer(
					admin,
					json({
						client_id: 'shortlived',
						confidential: true,
						grants: ['client_credentials'],
						scopes: ['profile']
					})
				)
			})
			expect(created.status).toBe(201)
			const { client_secret } = (await created.json()) as { client_secret: string }
			const service = await fetch(`${b.base}/oauth/token`, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					authorization: `Basic ${btoa(`shortlived:${client_secret}`)}`
				},
				body: 'grant_type=client_credentials'
			})
			const { access_token } = (await service.json()) as { access_token: string }
			expect(
				(await fetch(`${b.base}/auth/logout`, { method: 'POST', ...bearer(access_token) })).status
			).not.toBe(401)
			expect(
				(await fetch(`${a.base}/admin/clients/shortlived`, bearer(admin, { method: 'DELETE' })))
					.status
			).toBe(204)
			expect(
				(await fetch(`${b.base}/auth/logout`, { method: 'POST', ...bearer(access_token) })).status
			).toBe(401)
		})

		test('Running several instances: a key rotated by the CLI is accepted by every instance at once, and both publish it', async () => {
			expect((await register(b.base, 'iris')).status).toBe(201)
			const rotated = await cli(env, ['keys', 'rotate', '--json'])
			expect(rotated.code).toBe(0)
			const { kid } = JSON.parse(rotated.stdout) as { kid: string }
			// A token signed with the new key by another program on the same store: the servers reload
			// their keys within KEY_RELOAD_INTERVAL, and at once when a token names a kid they do not know.
			const store = await setup.open(env)
			try {
				const signer = await createTessera({
					...tesseraOptions(loadConfig({ ...env, LOG_LEVEL: 'silent' })),
					database: { store }
				})
				const user = (await signer.users.findByUsername('iris'))!
				const { session } = await signer.sessions.startUserSession(
					user.id,
					'default',
					'profile',
					true
				)
				const token = await signer.keys.sign({
					sub: String(user.id),
					client_id: 'default',
					scope: 'profile',
					sid: session.id,
					jti: crypto.randomUUID(),
					exp: signer.clock() + 60
				})
				expect(decodeProtectedHeader(token).kid).toBe(kid)
				for (const at of [a, b]) {
					expect((await fetch(`${at.base}/users/me`, bearer(token))).status).toBe(200)
					const { keys } = (await (await fetch(`${at.base}/.well-known/jwks.json`)).json()) as {
						keys: { kid: string }[]
					}
					expect(keys.map((key) => key.kid)).toContain(kid)
				}
			} finally {
				await store.close()
			}
		})

		test('Running several instances: a key rotated by the CLI is the one every instance signs with within KEY_RELOAD_INTERVAL', async () => {
			const rotated = await cli(env, ['keys', 'rotate', '--json'])
			expect(rotated.code).toBe(0)
			const { kid } = JSON.parse(rotated.stdout) as { kid: string }
			const rotatedAt = performance.now()
			// Each instance, logged in to until it signs with the new key; KEY_RELOAD_INTERVAL is 1 s.
			const signsWithNewKey = async (base: string) => {
				for (;;) {
					// The administrator from the setup: registering another user would meet the
					// registration throttle of this shared address.
					const { access_token } = await tokensAt(base, 'root')
					if (decodeProtectedHeader(access_token).kid === kid) return performance.now() - rotatedAt
					await Bun.sleep(100)
				}
			}
			const waited = await Promise.all([signsWithNewKey(a.base), signsWithNewKey(b.base)])
			// One interval, plus the slack of a loaded machine: never the 60 s default.
			for (const ms of waited) expect(ms).toBeLessThan(10_000)
		})
	})
