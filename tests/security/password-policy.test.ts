import { describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test'
import { ConfigError, loadConfig } from '../../src/server/config'
import { ServiceUnavailable } from '../../src/errors'
import { sql } from 'drizzle-orm'
import { createTestApp, storeIndependent, type TestApp } from '../helpers/app'
import { holdArgon2 } from '../helpers/argon2'
import { databaseOf } from '../helpers/database'
import { form } from '../helpers/http'

// Real processes: their start-up time is the machine's, not the code's.
setDefaultTimeout(60_000)

const login = (username = 'johndoe', password = 'secret') =>
	form({ grant_type: 'password', username, password })

/** A request as from a client at `address` (behind a trusted proxy). */
const from = (address: string, init: RequestInit): RequestInit => ({
	...init,
	headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': address }
})

const storedHash = async ({ tessera }: TestApp, username = 'johndoe') =>
	(await tessera.store.users.findByUsername(username))!.passwordHash

const phcParameters = (hash: string) => /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$/.exec(hash)?.[1]

// Settings and a process: no test store.
storeIndependent(() =>
	describe('Argon2 parameters: the OWASP floor (docs/contract.md settings)', () => {
		test('docs/contract.md: PASSWORD_MEMORY_KIB below 19456 is refused with one line; 19456 is accepted', () => {
			expect(() => loadConfig({ PASSWORD_MEMORY_KIB: '19455' })).toThrow(
				new ConfigError('PASSWORD_MEMORY_KIB', 'must be between 19456 and 4194304, got 19455')
			)
			expect(loadConfig({ PASSWORD_MEMORY_KIB: '19456' }).passwordMemoryKib).toBe(19456)
		})

		test('docs/contract.md: PASSWORD_TIME_COST below 2 is refused with one line', () => {
			expect(() => loadConfig({ PASSWORD_TIME_COST: '1' })).toThrow(
				new ConfigError('PASSWORD_TIME_COST', 'must be between 2 and 100, got 1')
			)
		})

		test('docs/contract.md: `bun run start` with PASSWORD_MEMORY_KIB under the floor exits 1 with one line', async () => {
			const proc = Bun.spawn(['bun', 'src/server/main.ts'], {
				env: { ...process.env, PASSWORD_MEMORY_KIB: '8192', DATABASE_PATH: ':memory:' },
				stderr: 'pipe',
				stdout: 'pipe'
			})
			expect(await proc.exited).toBe(1)
			expect(await new Response(proc.stderr).text()).toBe(
				'tessera: bad setting PASSWORD_MEMORY_KIB: must be between 19456 and 4194304, got 8192\n'
			)
		})
	})
)

/**
 * Sends requests while every Argon2 run is held (tests/helpers/argon2.ts): the runs go on once
 * `refused` of them have been answered, and all their responses are returned. Which requests take
 * the places then depends on their order, never on how long a run or a store round trip takes.
 */
async function whileArgon2Held(send: () => Promise<Response>[], refused: number): Promise<Response[]> {
	const held = holdArgon2('verify')
	try {
		const pending = send()
		let answered = 0
		for (const response of pending) response.finally(() => answered++).catch(() => {})
		const deadline = performance.now() + 20_000
		while (answered < refused) {
			if (performance.now() > deadline) throw new Error(`${answered} answered while Argon2 was held`)
			await Bun.sleep(5)
		}
		held.release()
		return await Promise.all(pending)
	} finally {
		held.restore()
	}
}

describe('Argon2 under load: bounded concurrency and queue (docs/contract.md)', () => {
	test('docs/contract.md: beyond the running Argon2 and a full queue, logins get 503 with Retry-After, not a pile-up', async () => {
		const app = await createTestApp({ PASSWORD_CONCURRENCY: '1', PASSWORD_QUEUE_LIMIT: '0' })
		const responses = await whileArgon2Held(
			() => Array.from({ length: 4 }, () => app.request('/oauth/token', login())),
			3
		)
		const statuses = responses.map((r) => r.status).sort()
		expect(statuses).toEqual([200, 503, 503, 503])
		const busy = responses.find((r) => r.status === 503)!
		expect(busy.headers.get('retry-after')).toBe('1')
		expect(await busy.json()).toEqual({
			error: 'temporarily_unavailable',
			error_description: 'The server is busy; try again shortly'
		})
		expect(app.tessera.passwords.load).toEqual({ running: 0, waiting: 0 })
	})

	test('docs/contract.md: a waiting queue absorbs a burst up to its bound', async () => {
		const app = await createTestApp({
			PASSWORD_CONCURRENCY: '1',
			PASSWORD_QUEUE_LIMIT: '3',
			TRUST_PROXY: 'true'
		})
		const responses = await Promise.all(
			Array.from({ length: 4 }, (_, i) =>
				app.request('/oauth/token', from(`198.51.100.${i + 1}`, login()))
			)
		)
		expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200])
	})

	test('RFC 9700 §4.1: one caller holds at most a quarter of the Argon2 places; others still get in', async () => {
		const app = await createTestApp({
			PASSWORD_CONCURRENCY: '1',
			PASSWORD_QUEUE_LIMIT: '7',
			TRUST_PROXY: 'true'
		})
		// 2 places of 8 for one address: its burst of 6 wrong guesses at different accounts mostly gets 503 …
		const [other, ...attacker] = await whileArgon2Held(
			() => [
				// … while another address, arriving during that burst, is served.
				app.request('/oauth/token', from('198.51.100.9', login())),
				...Array.from({ length: 6 }, (_, i) =>
					app.request('/oauth/token', from('203.0.113.66', login(`nobody${i}`, 'guess')))
				)
			],
			4
		)
		expect(attacker.map((r) => r.status).filter((status) => status === 503)).toHaveLength(4)
		expect(other!.status).toBe(200)
	})

	test('docs/contract.md: a login refused with 503 never ran Argon2, so it does not count toward throttling', async () => {
		const app = await createTestApp({ PASSWORD_CONCURRENCY: '1', PASSWORD_QUEUE_LIMIT: '0' })
		const responses = await whileArgon2Held(
			() => Array.from({ length: 4 }, () => app.request('/oauth/token', login('johndoe', 'wrong'))),
			3
		)
		expect(responses.map((r) => r.status).sort()).toEqual([400, 503, 503, 503])
		const rows = await databaseOf(app.tessera).all(
			sql`SELECT failures, blocked_until FROM tessera_login_throttle`
		)
		expect(rows).toEqual([{ failures: 1, blocked_until: 0 }])
	})
})

describe('rehash on login (docs/contract.md: parameters differ from the current ones)', () => {
	test('docs/contract.md: a t=3 hash becomes a hash with the configured parameters at the next login', async () => {
		const app = await createTestApp({}, { realPasswords: true })
		const id = (await app.tessera.users.findByUsername('johndoe'))!.id
		const old = await Bun.password.hash('secret', {
			algorithm: 'argon2id',
			memoryCost: 19456,
			timeCost: 3
		})
		await app.tessera.store.users.setPasswordHash(id, old, app.tessera.clock())
		expect((await app.request('/oauth/token', login())).status).toBe(200)
		const upgraded = await storedHash(app)
		expect(upgraded).not.toBe(old)
		expect(phcParameters(upgraded)).toBe('m=19456,t=2,p=1')
		expect(app.tessera.passwords.needsRehash(upgraded)).toBe(false)
		// The new hash is of the same password, and a current hash is left alone.
		expect((await app.request('/oauth/token', login())).status).toBe(200)
		expect(await storedHash(app)).toBe(upgraded)
	})

	test('docs/contract.md: raising PASSWORD_TIME_COST upgrades existing hashes as users log in', async () => {
		const app = await createTestApp({ PASSWORD_TIME_COST: '3' })
		expect(phcParameters(await storedHash(app))).toBe('m=19456,t=2,p=1')
		expect((await app.request('/oauth/token', login())).status).toBe(200)
		expect(phcParameters(await storedHash(app))).toBe('m=19456,t=3,p=1')
		expect(phcParameters(await storedHash(app, 'admin'))).toBe('m=19456,t=2,p=1')
	})

	test('docs/contract.md: a failed login never rehashes', async () => {
		const app = await createTestApp({ PASSWORD_TIME_COST: '3' })
		const before = await storedHash(app)
		expect((await app.request('/oauth/token', login('johndoe', 'wrong'))).status).toBe(400)
		expect((await app.request('/oauth/token', login('alice', 'secret2'))).status).toBe(400)
		expect(await storedHash(app)).toBe(before)
		expect(phcParameters(await storedHash(app, 'alice'))).toBe('m=19456,t=2,p=1')
	})

	test('docs/contract.md: a busy hasher postpones the rehash; the login itself succeeds', async () => {
		const app = await createTestApp({ PASSWORD_TIME_COST: '3' })
		const before = await storedHash(app)
		spyOn(app.tessera.passwords, 'hash').mockImplementation(() =>
			Promise.reject(new ServiceUnavailable(1))
		)
		expect((await app.request('/oauth/token', login())).status).toBe(200)
		expect(await storedHash(app)).toBe(before)
	})

	test('docs/contract.md: a rehash never overwrites a password changed meanwhile', async () => {
		const app = await createTestApp({}, { realPasswords: true })
		const id = (await app.tessera.users.findByUsername('johndoe'))!.id
		const changed = await storedHash(app, 'admin')
		await app.tessera.store.users.setPasswordHash(id, changed, app.tessera.clock())
		await app.tessera.store.users.setPasswordHash(
			id,
			'rehash-of-the-old-password',
			app.tessera.clock(),
			'the-hash-it-was-computed-from'
		)
		expect(await storedHash(app)).toBe(changed)
	})
})

describe('every login input costs one Argon2 run (RFC 6749 §10.10)', () => {
	test('docs/contract.md: a password over 1024 bytes is never fed to Argon2; a stand-in runs instead', async () => {
		const app = await createTestApp({}, { realPasswords: true })
		const verify = spyOn(Bun.password, 'verify')
		try {
			const long = 'x'.repeat(1025)
			const response = await app.request('/oauth/token', login('johndoe', long))
			expect(response.status).toBe(400)
			expect(((await response.json()) as any).error).toBe('invalid_grant')
			expect(verify).toHaveBeenCalledTimes(1)
			expect(verify.mock.calls[0]![0]).not.toBe(long)
		} finally {
			verify.mockRestore()
		}
	})

	test('RFC 6749 §3.2: an empty password is omitted → invalid_request, after the same Argon2 run as a wrong one', async () => {
		const app = await createTestApp({}, { realPasswords: true })
		const verify = spyOn(Bun.password, 'verify')
		try {
			const response = await app.request('/oauth/token', login('johndoe', ''))
			expect(response.status).toBe(400)
			expect(await response.json()).toEqual({
				error: 'invalid_request',
				error_description: 'The password parameter is required'
			})
			expect(verify).toHaveBeenCalledTimes(1)
			expect(verify.mock.calls[0]![0]).not.toBe('')
		} finally {
			verify.mockRestore()
		}
	})
})
