import { afterEach, beforeEach, describe, expect, setSystemTime, spyOn, test } from 'bun:test'
import {
	ADDRESS_FREE_FAILURES,
	FIRST_BLOCK_SECONDS,
	MAX_BLOCK_SECONDS,
	THROTTLE_MEMORY_SECONDS,
	USERNAME_FREE_FAILURES
} from '../../src/store/throttle-policy'
import { TooManyRequests } from '../../src/errors'
import { prune } from '../../src/maintenance'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../helpers/app'
import { databaseOf } from '../helpers/database'
import { form } from '../helpers/http'

// Blocks are whole seconds: a frozen clock keeps a second boundary from falling between two requests.
const T0 = 1_800_000_000
beforeEach(() => setSystemTime(new Date(T0 * 1000)))
afterEach(() => setSystemTime())

const attempt = (username: string, password: string, headers: Record<string, string> = {}) =>
	form({ grant_type: 'password', username, password }, headers)

const TOO_MANY = {
	error: 'too_many_requests',
	error_description: 'Too many failed attempts; try again later'
}

async function failTimes({ request }: TestApp, n: number, username: string, headers = {}) {
	for (let i = 0; i < n; i++) {
		const response = await request('/oauth/token', attempt(username, `wrong-${i}`, headers))
		expect(response.status).toBe(400)
	}
}

const throttleRows = ({ tessera }: TestApp) =>
	databaseOf(tessera).all<{ key: string; failures: number }>(
		sql`SELECT key, failures FROM tessera_login_throttle ORDER BY key`
	)

/** The audit events of a type, oldest first, with the detail as its JSON text. */
const auditOf = async ({ tessera }: TestApp, type: string) =>
	(await tessera.store.audit.list({ limit: 100, type })).reverse().map((event) => ({
		user_id: event.userId,
		client_id: event.clientId,
		address: event.address,
		detail: JSON.stringify(event.detail)
	}))

describe('login throttling per username (docs/contract.md: 429 without running Argon2)', () => {
	test(`docs/contract.md: after ${USERNAME_FREE_FAILURES} failures the username is blocked → 429, Retry-After, too_many_requests, no Argon2 run`, async () => {
		const app = await createTestApp()
		await failTimes(app, USERNAME_FREE_FAILURES, 'johndoe')
		const verify = spyOn(app.tessera.passwords, 'verify')
		// Even the right password: the block is decided before the credentials are looked at.
		const response = await app.request('/oauth/token', attempt('johndoe', 'secret'))
		expect(response.status).toBe(429)
		expect(response.headers.get('retry-after')).toBe(String(FIRST_BLOCK_SECONDS))
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect(await response.json()).toEqual(TOO_MANY)
		expect(verify).toHaveBeenCalledTimes(0)
	})

	test('docs/contract.md: the 429 does not reveal whether the username exists', async () => {
		const app = await createTestApp()
		await failTimes(app, USERNAME_FREE_FAILURES, 'johndoe')
		await failTimes(app, USERNAME_FREE_FAILURES, 'nobody-here')
		const [known, unknown] = await Promise.all(
			['johndoe', 'nobody-here'].map((name) => app.request('/oauth/token', attempt(name, 'guess')))
		)
		expect(known!.status).toBe(429)
		expect(unknown!.status).toBe(429)
		expect(unknown!.headers.get('retry-after')).toBe(known!.headers.get('retry-after'))
		expect(await unknown!.json()).toEqual(await known!.json())
	})

	test('docs/contract.md: a successful login resets the username’s counter', async () => {
		const app = await createTestApp()
		await failTimes(app, USERNAME_FREE_FAILURES - 1, 'johndoe')
		expect((await app.request('/oauth/token', attempt('johndoe', 'secret'))).status).toBe(200)
		expect(await throttleRows(app)).toEqual([])
		// A full allowance again: these would have been blocked without the reset.
		await failTimes(app, USERNAME_FREE_FAILURES - 1, 'johndoe')
		expect(await throttleRows(app)).toEqual([
			{ key: expect.stringMatching(/^user:/), failures: USERNAME_FREE_FAILURES - 1 }
		])
	})

	test('RFC 6749 §10.10: concurrent guesses are counted before Argon2, so a burst gets no more tries than a sequence', async () => {
		const app = await createTestApp()
		const verify = spyOn(app.tessera.passwords, 'verify')
		const responses = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				app.request('/oauth/token', attempt('johndoe', `burst-${i}`))
			)
		)
		const statuses = responses.map((r) => r.status).sort()
		expect(statuses).toEqual([
			...Array(USERNAME_FREE_FAILURES).fill(400),
			...Array(20 - USERNAME_FREE_FAILURES).fill(429)
		])
		expect(verify).toHaveBeenCalledTimes(USERNAME_FREE_FAILURES)
	})

	test('docs/contract.md: the username is stored hashed, never as typed (it may be a mistyped password)', async () => {
		const app = await createTestApp()
		await failTimes(app, 1, 'my-Secret-Passw0rd')
		const [row] = await throttleRows(app)
		expect(row!.key).toMatch(/^user:[0-9a-f]{64}$/)
		expect(row!.key).not.toContain('Secret')
	})

	test('docs/contract.md: a missing password counts as a failed attempt too', async () => {
		const app = await createTestApp()
		for (let i = 0; i < USERNAME_FREE_FAILURES; i++)
			expect((await app.request('/oauth/token', attempt('johndoe', ''))).status).toBe(400)
		expect((await app.request('/oauth/token', attempt('johndoe', 'secret'))).status).toBe(429)
	})

	test('docs/contract.md: the block lifts when it has run out, and the next failure doubles it', async () => {
		const app = await createTestApp()
		await failTimes(app, USERNAME_FREE_FAILURES, 'johndoe')
		setSystemTime(new Date((T0 + FIRST_BLOCK_SECONDS) * 1000))
		const again = await app.request('/oauth/token', attempt('johndoe', 'wrong-again'))
		expect(again.status).toBe(400)
		const blocked = await app.request('/oauth/token', attempt('johndoe', 'secret'))
		expect(blocked.status).toBe(429)
		expect(blocked.headers.get('retry-after')).toBe(String(2 * FIRST_BLOCK_SECONDS))
	})
})

describe('login throttling per client address (docs/contract.md, TRUST_PROXY)', () => {
	const from = (address: string) => ({ 'x-forwarded-for': `198.51.100.1, ${address}` })

	test(`docs/contract.md: ${ADDRESS_FREE_FAILURES} failures from one address, over any usernames, block that address only`, async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		for (let i = 0; i < ADDRESS_FREE_FAILURES; i++) {
			const response = await app.request(
				'/oauth/token',
				attempt(`user${i}`, 'guess', from('203.0.113.7'))
			)
			expect(response.status).toBe(400)
		}
		const blocked = await app.request('/oauth/token', attempt('johndoe', 'secret', from('203.0.113.7')))
		expect(blocked.status).toBe(429)
		expect(blocked.headers.get('retry-after')).toBe(String(FIRST_BLOCK_SECONDS))
		expect(await blocked.json()).toEqual(TOO_MANY)
		// Another address is not affected; the last X-Forwarded-For entry is the one our proxy saw.
		const other = await app.request('/oauth/token', attempt('johndoe', 'secret', from('203.0.113.8')))
		expect(other.status).toBe(200)
	}, 30_000)

	test('docs/contract.md: without TRUST_PROXY, X-Forwarded-For is ignored: no address is taken from it, and rotating it escapes nothing', async () => {
		const app = await createTestApp()
		for (let i = 0; i < USERNAME_FREE_FAILURES; i++)
			await app.request('/oauth/token', attempt('johndoe', 'guess', from(`203.0.113.${i}`)))
		expect((await throttleRows(app)).map((row) => row.key.split(':')[0])).toEqual(['user'])
		const rotated = await app.request('/oauth/token', attempt('johndoe', 'secret', from('192.0.2.99')))
		expect(rotated.status).toBe(429)
	})

	test('docs/contract.md: many users logging in one after another from one address are not throttled: a success takes its count back', async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		const users = ADDRESS_FREE_FAILURES + 10
		// Copies of johndoe (password "secret") under other names, without paying Argon2 for each.
		await databaseOf(app.tessera).run(
			sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${users})
			INSERT INTO tessera_users (username, password_hash, scopes) SELECT 'office' || i, password_hash, scopes FROM n, tessera_users WHERE username = 'johndoe'`
		)
		const statuses: number[] = []
		for (let i = 0; i < users; i++)
			statuses.push(
				(await app.request('/oauth/token', attempt(`office${i + 1}`, 'secret', from('203.0.113.50')))).status
			)
		expect(statuses).toEqual(Array(users).fill(200))
		expect((await throttleRows(app)).filter((row) => row.key.startsWith('addr:'))).toEqual([
			expect.objectContaining({ failures: 0 })
		])
	}, 30_000)

	test(`RFC 6749 §10.10: a burst from one address is counted at admission: of 120 concurrent guesses at different usernames, at most ${ADDRESS_FREE_FAILURES} reach Argon2`, async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		const verify = spyOn(Bun.password, 'verify')
		try {
			const responses = await Promise.all(
				Array.from({ length: 120 }, (_, i) =>
					app.request('/oauth/token', attempt(`someone${i}`, 'guess', from('203.0.113.60')))
				)
			)
			const statuses = responses.map((r) => r.status)
			// Admitted: a wrong password (400), or no fair share of Argon2 left for this address (503,
			// which takes its count back); the rest are refused before Argon2 (429).
			expect(statuses.every((s) => s === 400 || s === 503 || s === 429)).toBe(true)
			expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(ADDRESS_FREE_FAILURES)
			expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(120 - 2 * ADDRESS_FREE_FAILURES)
			expect(verify.mock.calls.length).toBeLessThanOrEqual(ADDRESS_FREE_FAILURES)
		} finally {
			verify.mockRestore()
		}
	}, 30_000)

	test('RFC 6749 §10.10: IPv6 addresses are throttled by their /64', async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		for (let i = 0; i < ADDRESS_FREE_FAILURES; i++)
			await app.request('/oauth/token', attempt(`someone${i}`, 'guess', from(`2001:db8:1:2::${(i + 1).toString(16)}`)))
		const next = await app.request('/oauth/token', attempt('someone-else', 'guess', from('2001:db8:1:2:ffff::9')))
		expect(next.status).toBe(429)
		const otherSubnet = await app.request('/oauth/token', attempt('someone-else', 'guess', from('2001:db8:1:3::1')))
		expect(otherSubnet.status).toBe(400)
	}, 30_000)

	test('docs/contract.md: a successful login resets its username only; the address keeps its failures', async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		await failTimes(app, 3, 'nobody', from('203.0.113.7'))
		expect(
			(await app.request('/oauth/token', attempt('johndoe', 'secret', from('203.0.113.7')))).status
		).toBe(200)
		expect(await throttleRows(app)).toEqual([
			{ key: 'addr:203.0.113.7', failures: 3 },
			{ key: expect.stringMatching(/^user:/), failures: 3 }
		])
	})
})

describe('throttle audit trail (docs/contract.md: audit events)', () => {
	test('docs/contract.md: login.success and login.failure carry user id, client id and address', async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		const johndoe = (await app.tessera.users.findByUsername('johndoe'))!.id
		const alice = (await app.tessera.users.findByUsername('alice'))!.id
		const headers = { 'x-forwarded-for': '203.0.113.5' }
		await app.request('/oauth/token', attempt('johndoe', 'secret', headers))
		await app.request('/oauth/token', attempt('johndoe', 'wrong', headers))
		await app.request('/oauth/token', attempt('alice', 'secret2', headers))
		await app.request('/oauth/token', attempt('nobody', 'secret', headers))
		const success = await auditOf(app, 'login.success')
		expect(success).toHaveLength(1)
		expect(success[0]).toMatchObject({ user_id: johndoe, client_id: 'default', address: '203.0.113.5' })
		expect(await auditOf(app, 'login.failure')).toEqual([
			{
				user_id: johndoe,
				client_id: 'default',
				address: '203.0.113.5',
				detail: '{"reason":"wrong password"}'
			},
			{
				user_id: alice,
				client_id: 'default',
				address: '203.0.113.5',
				detail: '{"reason":"disabled user"}'
			},
			{
				user_id: null,
				client_id: 'default',
				address: '203.0.113.5',
				detail: '{"reason":"unknown user"}'
			}
		])
	})

	test('docs/contract.md: login.throttled is recorded when a failure starts a block, with its length; refused requests add nothing', async () => {
		const app = await createTestApp({ TRUST_PROXY: 'true' })
		const headers = { 'x-forwarded-for': '203.0.113.6' }
		await failTimes(app, USERNAME_FREE_FAILURES, 'johndoe', headers)
		for (let i = 0; i < 3; i++)
			expect((await app.request('/oauth/token', attempt('johndoe', 'x', headers))).status).toBe(429)
		expect(await auditOf(app, 'login.throttled')).toEqual([
			{
				user_id: (await app.tessera.users.findByUsername('johndoe'))!.id,
				client_id: 'default',
				address: '203.0.113.6',
				detail: `{"retry_after":${FIRST_BLOCK_SECONDS}}`
			}
		])
		expect(await auditOf(app, 'login.failure')).toHaveLength(USERNAME_FREE_FAILURES)
	})
})

describe('throttle policy arithmetic (LoginThrottle with an explicit clock)', () => {
	test(`policy: ${USERNAME_FREE_FAILURES} free failures, then ${FIRST_BLOCK_SECONDS} s doubling per failure up to ${MAX_BLOCK_SECONDS} s`, async () => {
		const { tessera } = await createTestApp()
		const blocks: number[] = []
		let now = T0
		for (let i = 0; i < 20; i++) {
			const admission = await tessera.throttle.admit('victim', null, now)
			blocks.push(admission.blockSeconds)
			now += admission.blockSeconds // the attacker waits out each block exactly
		}
		expect(blocks).toEqual([
			0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900, 900
		])
	})

	test('policy: during a block every attempt is refused with the remaining time, and is not counted', async () => {
		const { tessera } = await createTestApp()
		for (let i = 0; i < USERNAME_FREE_FAILURES + 3; i++)
			await tessera.throttle.admit('victim', null, T0 + i * 100)
		const last = T0 + (USERNAME_FREE_FAILURES + 2) * 100 // blocked for 8 s from here
		let refusal: unknown
		try {
			await tessera.throttle.admit('victim', null, last + 3)
		} catch (error) {
			refusal = error
		}
		expect(refusal).toBeInstanceOf(TooManyRequests)
		expect((refusal as TooManyRequests).headers['retry-after']).toBe('5')
		expect((await tessera.throttle.admit('victim', null, last + 8)).blockSeconds).toBe(16)
	})

	test(`policy: a counter with no failure for ${THROTTLE_MEMORY_SECONDS / 3600} h starts from zero, and prune() deletes it`, async () => {
		const app = await createTestApp()
		const { tessera } = app
		for (let i = 0; i < 10; i++) await tessera.throttle.admit('victim', null, T0 + i * 1000)
		const later = T0 + 9000 + THROTTLE_MEMORY_SECONDS
		expect((await prune(tessera, later - 1)).throttleRows).toBe(0)
		expect((await prune(tessera, later)).throttleRows).toBe(1)
		expect(await throttleRows(app)).toEqual([])
		// Forgotten without prune too: the next failure is the first again.
		for (let i = 0; i < 10; i++) await tessera.throttle.admit('other', null, T0 + i * 1000)
		expect((await tessera.throttle.admit('other', null, later)).blockSeconds).toBe(0)
		expect((await throttleRows(app))[0]!.failures).toBe(1)
	})
})
