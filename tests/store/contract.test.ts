/**
 * The store contract (src/store/port.ts), run against both adapters: every port method, with the
 * SQLite store as the reference behaviour, and the promises of docs/contract.md "Running several
 * instances" that rest on the store (one refresh winner, reuse ends the session, unique
 * usernames, client ids and first keys under concurrent creation, throttle counts).
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { PostgresStore } from '../../src/store/postgres'
import type {
	ClientRow,
	NewUserRow,
	RotateRefreshToken,
	SessionRow,
	SigningKeyRow,
	Store,
	ThrottleKey
} from '../../src/store/port'
import { SqliteStore } from '../../src/store/sqlite'
import {
	FIRST_BLOCK_SECONDS,
	MAX_BLOCK_SECONDS,
	THROTTLE_MEMORY_SECONDS
} from '../../src/store/throttle-policy'
import {
	atEndOfFile,
	createDatabase,
	makeTemplate,
	postgresAvailable,
	restoreDatabase
} from '../helpers/postgres'

const NOW = 1_800_000_000
const postgres = await postgresAvailable()

/**
 * A migrated PostgreSQL database, and a store on it, for every test of the file: after each test
 * its rows are restored to what migrating left (tests/helpers/postgres.ts).
 */
let shared: Promise<{ store: PostgresStore; restore(): Promise<void> }> | null = null
function sharedStore() {
	shared ??= (async () => {
		const database = await createDatabase({ tag: 'contract' })
		await (await PostgresStore.open(database.url, { max: 1 })).close()
		const migrated = await makeTemplate(database)
		// Enough connections that 16 concurrent calls really run at once.
		const store = await PostgresStore.open(database.url, { migrate: false, max: 20 })
		atEndOfFile(() => store.close())
		return { store, restore: () => restoreDatabase(migrated, database) }
	})()
	return shared
}

interface Adapter {
	name: 'sqlite' | 'postgres'
	skip: boolean
	open(): Promise<{ store: Store; dispose(): Promise<void> }>
}

const adapters: Adapter[] = [
	{
		name: 'sqlite',
		skip: false,
		async open() {
			const store = SqliteStore.open(':memory:')
			return { store, dispose: () => store.close() }
		}
	},
	{
		name: 'postgres',
		skip: !postgres,
		async open() {
			const { store, restore } = await sharedStore()
			return { store, dispose: restore }
		}
	}
]

const user = (username: string, fields: Partial<NewUserRow> = {}): NewUserRow => ({
	username,
	passwordHash: `hash-of-${username}`,
	email: null,
	fullName: null,
	scopes: 'profile',
	disabled: false,
	createdAt: NOW,
	updatedAt: NOW,
	...fields
})

const client = (id: string, fields: Partial<ClientRow> = {}): ClientRow => ({
	id,
	name: id,
	secretHash: null,
	grants: 'password refresh_token',
	scopes: 'profile',
	createdAt: NOW,
	...fields
})

let sessionCounter = 0
const session = (fields: Partial<SessionRow> & Pick<SessionRow, 'clientId'>): SessionRow => ({
	id: `session-${++sessionCounter}`,
	userId: null,
	scope: 'profile',
	createdAt: NOW,
	expiresAt: NOW + 3600,
	endedAt: null,
	endReason: null,
	...fields
})

const key = (kid: string, fields: Partial<SigningKeyRow> = {}): SigningKeyRow => ({
	kid,
	alg: 'ES256',
	privateJwk: `{"kid":"${kid}","d":"secret"}`,
	publicJwk: `{"kid":"${kid}"}`,
	createdAt: NOW,
	retiredAt: null,
	expiresAt: null,
	...fields
})

const rotation = (tokenHash: string, fields: Partial<RotateRefreshToken> = {}): RotateRefreshToken => ({
	tokenHash,
	clientId: 'app',
	now: NOW + 10,
	graceSeconds: 0,
	successorHash: `${tokenHash}+`,
	refreshTtlSeconds: 600,
	check() {},
	...fields
})

describe.each(adapters)('store contract: $name', (adapter) => {
	let store: Store
	let dispose: () => Promise<void>

	// Making a PostgreSQL database (a copy of the migrated template) can take seconds on a busy machine.
	beforeEach(async () => {
		if (adapter.skip) return
		;({ store, dispose } = await adapter.open())
	}, 60_000)
	afterEach(async () => {
		if (!adapter.skip) await dispose()
	}, 60_000)

	const it = adapter.skip ? test.skip : test

	/** A user, a client and a live session with one refresh token `rt`. */
	async function withSession(refreshHash = 'rt', fields: Partial<SessionRow> = {}) {
		const owner = (await store.users.insert(user(`owner-${sessionCounter}`)))!
		await store.clients.upsert(client('app'))
		const live = session({ clientId: 'app', userId: owner.id, ...fields })
		await store.sessions.start(live, { tokenHash: refreshHash, expiresAt: NOW + 600 })
		return { owner, live }
	}

	describe('users', () => {
		it('docs/contract.md POST /users: a user is stored, found by id and by username in any letter case', async () => {
			const stored = (await store.users.insert(
				user('Carol', { email: 'c@example.com', fullName: 'Carol C' })
			))!
			expect(stored).toEqual({
				id: expect.any(Number),
				...user('Carol', { email: 'c@example.com', fullName: 'Carol C' })
			})
			expect(await store.users.findById(stored.id)).toEqual(stored)
			expect(await store.users.findByUsername('carol')).toEqual(stored)
			expect(await store.users.findByUsername('CAROL')).toEqual(stored)
			expect(await store.users.findByUsername('carl')).toBeNull()
			expect(await store.users.findById(stored.id + 1000)).toBeNull()
		})

		it('docs/contract.md POST /users: a username taken in another letter case is refused (null)', async () => {
			expect(await store.users.insert(user('dave'))).not.toBeNull()
			expect(await store.users.insert(user('DAVE'))).toBeNull()
			expect(await store.users.insert(user('dave'))).toBeNull()
		})

		it('docs/contract.md Running several instances: 16 concurrent registrations of one username store one row, the rest get null', async () => {
			const names = Array.from({ length: 16 }, (_, i) => ['erin', 'ERIN', 'Erin', 'eRIN'][i % 4]!)
			const results = await Promise.all(names.map((name) => store.users.insert(user(name))))
			expect(results.filter((r) => r !== null)).toHaveLength(1)
			expect(await store.users.list({ limit: 100 })).toHaveLength(1)
		})

		it('docs/contract.md: a password hash is replaced, or only while it is still the one read (rehash on login)', async () => {
			const { id } = (await store.users.insert(user('frank')))!
			expect(await store.users.setPasswordHash(id, 'h2', NOW + 1)).toBe(true)
			expect(await store.users.setPasswordHash(id, 'h3', NOW + 2, 'stale')).toBe(false)
			expect((await store.users.findById(id))!.passwordHash).toBe('h2')
			expect(await store.users.setPasswordHash(id, 'h3', NOW + 3, 'h2')).toBe(true)
			expect(await store.users.findById(id)).toMatchObject({ passwordHash: 'h3', updatedAt: NOW + 3 })
			expect(await store.users.setPasswordHash(id + 1000, 'h4', NOW)).toBe(false)
		})

		it('docs/contract.md PATCH /admin/users/:id: disabled and scopes change alone or together', async () => {
			const { id } = (await store.users.insert(user('grace', { scopes: 'profile posts:read' })))!
			expect(await store.users.update(id, { disabled: true }, NOW + 5)).toMatchObject({
				disabled: true,
				scopes: 'profile posts:read',
				updatedAt: NOW + 5
			})
			expect(await store.users.update(id, { scopes: 'admin' }, NOW + 6)).toMatchObject({
				disabled: true,
				scopes: 'admin'
			})
			expect(await store.users.update(id, { disabled: false, scopes: '' }, NOW + 7)).toMatchObject({
				disabled: false,
				scopes: ''
			})
			expect(await store.users.update(id + 1000, { disabled: true }, NOW)).toBeNull()
		})

		it('docs/contract.md GET /admin/users: pages by id, filters a literal username prefix and disabled', async () => {
			for (const name of ['ann', 'anna', 'an_x', 'an%y', 'bob']) await store.users.insert(user(name))
			await store.users.update((await store.users.findByUsername('anna'))!.id, { disabled: true }, NOW)
			const all = await store.users.list({ limit: 100 })
			expect(all.map((u) => u.username)).toEqual(['ann', 'anna', 'an_x', 'an%y', 'bob'])
			const page = await store.users.list({ limit: 2, afterId: all[1]!.id })
			expect(page.map((u) => u.username)).toEqual(['an_x', 'an%y'])
			expect(
				(await store.users.list({ limit: 100, usernamePrefix: 'an_' })).map((u) => u.username)
			).toEqual(['an_x'])
			expect(
				(await store.users.list({ limit: 100, usernamePrefix: 'an%' })).map((u) => u.username)
			).toEqual(['an%y'])
			expect((await store.users.list({ limit: 100, disabled: true })).map((u) => u.username)).toEqual([
				'anna'
			])
			expect(
				(await store.users.list({ limit: 100, disabled: false, usernamePrefix: 'ann' })).map(
					(u) => u.username
				)
			).toEqual(['ann'])
		})

		it('docs/contract.md: deleting a user deletes their sessions', async () => {
			const { owner, live } = await withSession()
			expect(await store.users.delete(owner.id)).toBe(true)
			expect(await store.users.findById(owner.id)).toBeNull()
			expect(await store.sessions.findWithUser(live.id)).toBeNull()
			expect(await store.sessions.findByRefreshToken('rt')).toBeNull()
			expect(await store.users.delete(owner.id)).toBe(false)
		})
	})

	describe('clients', () => {
		it('docs/contract.md POST /admin/clients: a client is stored once; a taken client_id gets null', async () => {
			const stored = await store.clients.insert(client('web', { secretHash: 'sh' }))
			expect(stored).toEqual(client('web', { secretHash: 'sh' }))
			expect(await store.clients.find('web')).toEqual(stored!)
			expect(await store.clients.insert(client('web'))).toBeNull()
			expect(await store.clients.find('nope')).toBeNull()
		})

		it('docs/contract.md Running several instances: 16 concurrent creations of one client_id store one', async () => {
			const results = await Promise.all(
				Array.from({ length: 16 }, (_, i) => store.clients.insert(client('same', { name: `n${i}` })))
			)
			expect(results.filter((r) => r !== null)).toHaveLength(1)
			expect(await store.clients.list({ limit: 100 })).toHaveLength(1)
		})

		it('docs/contract.md: upsert inserts, or brings grants and scopes in line and keeps the rest', async () => {
			await store.clients.upsert(client('default', { grants: 'password' }))
			expect(await store.clients.find('default')).toEqual(client('default', { grants: 'password' }))
			await store.clients.upsert(
				client('default', { name: 'other', grants: 'refresh_token', scopes: 'a b', createdAt: 1 })
			)
			expect(await store.clients.find('default')).toEqual(
				client('default', { grants: 'refresh_token', scopes: 'a b' })
			)
		})

		it('docs/contract.md GET /admin/clients: pages in byte order of client_id', async () => {
			for (const id of ['b', 'B', 'a-b', 'a', '_z']) await store.clients.insert(client(id))
			const all = (await store.clients.list({ limit: 100 })).map((c) => c.id)
			expect(all).toEqual(['B', '_z', 'a', 'a-b', 'b'])
			expect((await store.clients.list({ limit: 2, afterId: '_z' })).map((c) => c.id)).toEqual([
				'a',
				'a-b'
			])
		})

		it('docs/contract.md DELETE /admin/clients/:client_id: the client goes with its sessions; the live ones are returned', async () => {
			const { owner, live } = await withSession()
			const ended = session({ clientId: 'app', userId: owner.id, endedAt: NOW, endReason: 'logout' })
			await store.sessions.start(ended, null)
			expect(await store.clients.delete('app')).toEqual([
				{ id: live.id, userId: owner.id, clientId: 'app' }
			])
			expect(await store.clients.find('app')).toBeNull()
			expect(await store.sessions.findWithUser(live.id)).toBeNull()
			expect(await store.sessions.findWithUser(ended.id)).toBeNull()
			expect(await store.clients.delete('app')).toBeNull()
		})
	})

	describe('sessions', () => {
		it('docs/contract.md: a session is found with its user; a client session has none', async () => {
			const { owner, live } = await withSession()
			expect(await store.sessions.findWithUser(live.id)).toEqual({ session: live, user: owner })
			const service = session({ clientId: 'app' })
			await store.sessions.start(service, null)
			expect(await store.sessions.findWithUser(service.id)).toEqual({ session: service, user: null })
			expect(await store.sessions.findWithUser('nope')).toBeNull()
			expect(await store.sessions.findByRefreshToken('rt')).toEqual({
				token: {
					tokenHash: 'rt',
					sessionId: live.id,
					createdAt: NOW,
					expiresAt: NOW + 600,
					rotatedAt: null
				},
				session: live
			})
			expect(await store.sessions.findByRefreshToken('nope')).toBeNull()
		})

		it('RFC 6749 §6: rotation consumes the token and stores its successor, never past the session end', async () => {
			const { owner, live } = await withSession('rt', { expiresAt: NOW + 300 })
			const seen: unknown[] = []
			const result = await store.sessions.rotateRefreshToken(
				rotation('rt', { check: (found) => void seen.push(found) })
			)
			expect(result).toEqual({ outcome: 'rotated', session: live, user: owner })
			expect(seen).toEqual([{ session: live, user: owner }])
			expect((await store.sessions.findByRefreshToken('rt'))!.token.rotatedAt).toBe(NOW + 10)
			expect((await store.sessions.findByRefreshToken('rt+'))!.token).toEqual({
				tokenHash: 'rt+',
				sessionId: live.id,
				createdAt: NOW + 10,
				expiresAt: NOW + 300,
				rotatedAt: null
			})
		})

		it('RFC 9700 §4.14.2: only the latest spent token is kept for reuse detection', async () => {
			await withSession('t0')
			await store.sessions.rotateRefreshToken(rotation('t0', { successorHash: 't1' }))
			await store.sessions.rotateRefreshToken(rotation('t1', { successorHash: 't2', now: NOW + 20 }))
			expect(await store.sessions.findByRefreshToken('t0')).toBeNull()
			expect((await store.sessions.findByRefreshToken('t1'))!.token.rotatedAt).toBe(NOW + 20)
			expect((await store.sessions.findByRefreshToken('t2'))!.token.rotatedAt).toBeNull()
		})

		it('RFC 6749 §6: a check that throws undoes the consumption', async () => {
			await withSession()
			const refuse = rotation('rt', {
				check() {
					throw new Error('user disabled')
				}
			})
			await expect(store.sessions.rotateRefreshToken(refuse)).rejects.toThrow('user disabled')
			expect((await store.sessions.findByRefreshToken('rt'))!.token.rotatedAt).toBeNull()
			expect(await store.sessions.findByRefreshToken('rt+')).toBeNull()
			expect((await store.sessions.rotateRefreshToken(rotation('rt'))).outcome).toBe('rotated')
		})

		it('RFC 6749 §10.4: another client is refused and ends nothing', async () => {
			const { live } = await withSession()
			expect(await store.sessions.rotateRefreshToken(rotation('rt', { clientId: 'other' }))).toEqual({
				outcome: 'refused',
				reason: 'token of another client'
			})
			expect((await store.sessions.findWithUser(live.id))!.session.endedAt).toBeNull()
			expect((await store.sessions.rotateRefreshToken(rotation('nope'))).outcome).toBe('refused')
		})

		it('docs/contract.md REFRESH_TOKEN_TTL, SESSION_MAX_AGE, logout: an expired token, an expired or ended session are refused', async () => {
			await withSession('expired-token')
			const expired = rotation('expired-token', { now: NOW + 600 })
			expect(await store.sessions.rotateRefreshToken(expired)).toEqual({
				outcome: 'refused',
				reason: 'expired token or ended session'
			})
			const { live } = await withSession('old-session', { expiresAt: NOW + 5 })
			expect((await store.sessions.rotateRefreshToken(rotation('old-session'))).outcome).toBe('refused')
			const other = await withSession('ended')
			await store.sessions.end({ sessionId: other.live.id }, 'logout', NOW + 1)
			expect((await store.sessions.rotateRefreshToken(rotation('ended'))).outcome).toBe('refused')
			expect((await store.sessions.findWithUser(live.id))!.session.endReason).toBeNull()
		})

		it('docs/contract.md REFRESH_REUSE_GRACE: within the grace a rotated token is refused and the session lives', async () => {
			const { live } = await withSession()
			await store.sessions.rotateRefreshToken(rotation('rt', { graceSeconds: 30 }))
			expect(
				await store.sessions.rotateRefreshToken(rotation('rt', { graceSeconds: 30, now: NOW + 39 }))
			).toEqual({
				outcome: 'refused',
				reason: 'rotated within the reuse grace'
			})
			expect((await store.sessions.findWithUser(live.id))!.session.endedAt).toBeNull()
		})

		it('RFC 9700 §4.14.2: reuse past the grace ends the session (with its successor)', async () => {
			const { live } = await withSession()
			await store.sessions.rotateRefreshToken(rotation('rt', { graceSeconds: 30 }))
			const reused = await store.sessions.rotateRefreshToken(
				rotation('rt', { graceSeconds: 30, now: NOW + 40 })
			)
			expect(reused).toEqual({ outcome: 'reused', session: live })
			expect((await store.sessions.findWithUser(live.id))!.session).toMatchObject({
				endedAt: NOW + 40,
				endReason: 'refresh_reuse'
			})
			expect(
				(await store.sessions.rotateRefreshToken(rotation('rt+', { now: NOW + 41 }))).outcome
			).toBe('refused')
		})

		it('docs/contract.md Running several instances: 16 concurrent rotations of one token, exactly one rotated (many rounds)', async () => {
			const rounds = adapter.name === 'postgres' ? 30 : 10
			for (let round = 0; round < rounds; round++) {
				const { live } = await withSession(`race-${round}`)
				const results = await Promise.all(
					Array.from({ length: 16 }, (_, i) =>
						store.sessions.rotateRefreshToken(
							rotation(`race-${round}`, {
								graceSeconds: 60,
								successorHash: `race-${round}-${i}`
							})
						)
					)
				)
				expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1)
				expect(results.filter((r) => r.outcome === 'refused')).toHaveLength(15)
				expect((await store.sessions.findWithUser(live.id))!.session.endedAt).toBeNull()
			}
		})

		it('RFC 9700 §4.14.2: without a grace, a loser of a concurrent rotation is reuse and ends the session', async () => {
			const { live } = await withSession('race')
			const results = await Promise.all(
				Array.from({ length: 16 }, (_, i) =>
					store.sessions.rotateRefreshToken(rotation('race', { successorHash: `race-${i}` }))
				)
			)
			// The first loser ends the session; the ones after it find it ended (refused).
			expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1)
			expect(results.filter((r) => r.outcome === 'reused')).toHaveLength(1)
			expect(results.filter((r) => r.outcome === 'refused')).toHaveLength(14)
			expect((await store.sessions.findWithUser(live.id))!.session.endReason).toBe('refresh_reuse')
		})

		it('docs/contract.md: sessions end by id, by user (optionally but one), by client; each once', async () => {
			const { owner, live } = await withSession()
			const second = session({ clientId: 'app', userId: owner.id })
			const third = session({ clientId: 'app', userId: owner.id })
			await store.clients.upsert(client('other'))
			const service = session({ clientId: 'other' })
			for (const s of [second, third, service]) await store.sessions.start(s, null)
			const ended = (id: string) => ({ id, userId: owner.id, clientId: 'app' })

			expect(await store.sessions.end({ sessionId: live.id }, 'logout', NOW + 1)).toEqual([
				ended(live.id)
			])
			expect(await store.sessions.end({ sessionId: live.id }, 'logout', NOW + 2)).toEqual([])
			expect(
				await store.sessions.end(
					{ userId: owner.id, exceptSessionId: second.id },
					'password_changed',
					NOW + 3
				)
			).toEqual([ended(third.id)])
			expect(await store.sessions.end({ userId: owner.id }, 'user_disabled', NOW + 4)).toEqual([
				ended(second.id)
			])
			expect(await store.sessions.end({ clientId: 'other' }, 'admin', NOW + 5)).toEqual([
				{ id: service.id, userId: null, clientId: 'other' }
			])
			expect((await store.sessions.findWithUser(third.id))!.session).toMatchObject({
				endedAt: NOW + 3,
				endReason: 'password_changed'
			})
		})

		it('docs/contract.md `db prune`: expired tokens and sessions go, ended ones after the keep time', async () => {
			const { owner, live } = await withSession('rt', { expiresAt: NOW + 1000 })
			const expired = session({ clientId: 'app', userId: owner.id, expiresAt: NOW + 50 })
			const endedLongAgo = session({
				clientId: 'app',
				userId: owner.id,
				endedAt: NOW - 500,
				endReason: 'logout'
			})
			const endedRecently = session({
				clientId: 'app',
				userId: owner.id,
				endedAt: NOW + 90,
				endReason: 'logout'
			})
			for (const s of [expired, endedLongAgo, endedRecently]) await store.sessions.start(s, null)
			await store.sessions.start(session({ clientId: 'app', userId: owner.id, id: 'with-old-token' }), {
				tokenHash: 'old',
				expiresAt: NOW + 10
			})
			expect(await store.sessions.prune(NOW + 100, 60)).toEqual({ sessions: 2, refreshTokens: 1 })
			expect(await store.sessions.findWithUser(live.id)).not.toBeNull()
			expect(await store.sessions.findWithUser(endedRecently.id)).not.toBeNull()
			expect(await store.sessions.findWithUser(expired.id)).toBeNull()
			expect(await store.sessions.findByRefreshToken('old')).toBeNull()
			expect(await store.sessions.findByRefreshToken('rt')).not.toBeNull()
		})
	})

	describe('throttle', () => {
		const username = (free = 3): ThrottleKey => ({ key: 'user:zoe', freeFailures: free })
		const address = (free = 10): ThrottleKey => ({ key: 'addr:10.0.0.1', freeFailures: free })

		it('RFC 6749 §10.10: each admission counts; the one that reaches the free failures would block; then all are blocked', async () => {
			expect(await store.throttle.admit([username(), address()], NOW)).toEqual({ blockSeconds: 0 })
			expect(await store.throttle.admit([username(), address()], NOW)).toEqual({ blockSeconds: 0 })
			expect(await store.throttle.admit([username(), address()], NOW)).toEqual({
				blockSeconds: FIRST_BLOCK_SECONDS
			})
			expect(await store.throttle.admit([username(), address()], NOW)).toEqual({
				retryAfter: FIRST_BLOCK_SECONDS
			})
			// The address alone is not blocked; a blocked username blocks the pair.
			expect(await store.throttle.admit([address()], NOW)).toEqual({ blockSeconds: 0 })
			expect(await store.throttle.admit([username()], NOW + FIRST_BLOCK_SECONDS)).toEqual({
				blockSeconds: 2 * FIRST_BLOCK_SECONDS
			})
		})

		it('RFC 9700 §4.1: each further failure doubles the block, up to the cap', async () => {
			let now = NOW
			let last = 0
			for (let i = 0; i < 40; i++) {
				const admission = await store.throttle.admit([username(1)], now)
				expect('blockSeconds' in admission).toBe(true)
				last = (admission as { blockSeconds: number }).blockSeconds
				now += last
			}
			expect(last).toBe(MAX_BLOCK_SECONDS)
		})

		it('docs/contract.md POST /oauth/token (throttling): release takes one count back (unblocking below the limit); reset forgets the key', async () => {
			for (let i = 0; i < 3; i++) await store.throttle.admit([username()], NOW)
			expect(await store.throttle.admit([username()], NOW)).toEqual({ retryAfter: FIRST_BLOCK_SECONDS })
			await store.throttle.release(username())
			expect(await store.throttle.admit([username()], NOW)).toEqual({
				blockSeconds: FIRST_BLOCK_SECONDS
			})
			await store.throttle.reset(username().key)
			expect(await store.throttle.admit([username()], NOW)).toEqual({ blockSeconds: 0 })
			await store.throttle.release({ key: 'never-seen', freeFailures: 1 })
		})

		it('docs/contract.md POST /oauth/token (throttling): a key without a failure for THROTTLE_MEMORY_SECONDS starts from zero, and is pruned', async () => {
			for (let i = 0; i < 3; i++) await store.throttle.admit([username()], NOW)
			const later = NOW + THROTTLE_MEMORY_SECONDS
			expect(await store.throttle.prune(later - 1)).toBe(0)
			expect(await store.throttle.admit([username()], later)).toEqual({ blockSeconds: 0 })
			expect(await store.throttle.prune(later + THROTTLE_MEMORY_SECONDS)).toBe(1)
		})

		it('docs/contract.md Running several instances: 16 concurrent attempts on one key get no more tries than a sequence', async () => {
			for (let round = 0; round < 5; round++) {
				const key = { key: `user:burst-${round}`, freeFailures: 5 }
				const results = await Promise.all(
					Array.from({ length: 16 }, () => store.throttle.admit([key, address(1000)], NOW))
				)
				const admitted = results.filter((r) => 'blockSeconds' in r)
				expect(admitted).toHaveLength(5)
				expect(admitted.filter((r) => (r as { blockSeconds: number }).blockSeconds > 0)).toHaveLength(
					1
				)
			}
			// The address counted only the admitted attempts.
			const tally = await store.throttle.admit([{ key: address().key, freeFailures: 26 }], NOW)
			expect(tally).toEqual({ blockSeconds: FIRST_BLOCK_SECONDS })
		})
	})

	describe('keys', () => {
		it('RFC 7517: the first key of an algorithm is stored once; current is the newest unretired of it', async () => {
			expect(await store.keys.createFirst(key('k1'))).toBe(true)
			expect(await store.keys.createFirst(key('k2'))).toBe(false)
			expect(await store.keys.createFirst(key('r1', { alg: 'RS256' }))).toBe(true)
			expect(await store.keys.current('ES256')).toEqual(key('k1'))
			expect(await store.keys.current('RS256')).toEqual(key('r1', { alg: 'RS256' }))
			expect(await store.keys.current('EdDSA')).toBeNull()
		})

		it('docs/contract.md Running several instances: 16 concurrent first keys store exactly one', async () => {
			const results = await Promise.all(
				Array.from({ length: 16 }, (_, i) => store.keys.createFirst(key(`k${i}`)))
			)
			expect(results.filter(Boolean)).toHaveLength(1)
			expect(await store.keys.list(NOW)).toHaveLength(1)
		})

		it('docs/contract.md keys rotate: rotation retires every current key until a time and makes the new one current', async () => {
			await store.keys.createFirst(key('k1'))
			await store.keys.rotate(key('k2', { createdAt: NOW + 10 }), NOW + 100)
			expect(await store.keys.current('ES256')).toEqual(key('k2', { createdAt: NOW + 10 }))
			expect(await store.keys.list(NOW + 50)).toEqual([
				key('k2', { createdAt: NOW + 10 }),
				key('k1', { retiredAt: NOW + 10, expiresAt: NOW + 100 })
			])
			expect((await store.keys.list(NOW + 100)).map((k) => k.kid)).toEqual(['k2'])
			expect(await store.keys.prune(NOW + 99)).toBe(0)
			expect(await store.keys.prune(NOW + 100)).toBe(1)
			expect((await store.keys.list(0)).map((k) => k.kid)).toEqual(['k2'])
		})

		it('docs/contract.md keys: reseal replaces the stored private keys', async () => {
			await store.keys.createFirst(key('k1'))
			await store.keys.rotate(key('k2', { createdAt: NOW + 1 }), NOW + 100)
			expect(
				await store.keys.reseal(
					new Map([
						['k1', 'sealed-1'],
						['k2', 'sealed-2']
					])
				)
			).toBe(2)
			expect((await store.keys.list(NOW)).map((k) => k.privateJwk)).toEqual(['sealed-2', 'sealed-1'])
		})
	})

	describe('audit', () => {
		it('docs/contract.md GET /admin/audit: events newest first, with their detail, filtered by user, type and cursor', async () => {
			const detail = { reason: 'wrong password', nested: { list: [1, 'two', null], ok: true } }
			await store.audit.insert({
				at: NOW,
				type: 'login.failure',
				userId: 7,
				clientId: 'app',
				address: '10.0.0.1',
				detail
			})
			await store.audit.insert({
				at: NOW + 1,
				type: 'login.success',
				userId: 7,
				clientId: 'app',
				address: null,
				detail: null
			})
			await store.audit.insert({
				at: NOW + 2,
				type: 'login.failure',
				userId: 8,
				clientId: null,
				address: null,
				detail: {}
			})
			const all = await store.audit.list({ limit: 10 })
			expect(all.map((e) => [e.at, e.type])).toEqual([
				[NOW + 2, 'login.failure'],
				[NOW + 1, 'login.success'],
				[NOW, 'login.failure']
			])
			expect(all[2]).toEqual({
				id: expect.any(Number),
				at: NOW,
				type: 'login.failure',
				userId: 7,
				clientId: 'app',
				address: '10.0.0.1',
				detail
			})
			expect(all[1]!.detail).toBeNull()
			expect(all[0]!.detail).toEqual({})
			expect((await store.audit.list({ limit: 10, userId: 7 })).map((e) => e.at)).toEqual([
				NOW + 1,
				NOW
			])
			expect((await store.audit.list({ limit: 10, type: 'login.failure' })).map((e) => e.at)).toEqual([
				NOW + 2,
				NOW
			])
			expect((await store.audit.list({ limit: 1, beforeId: all[0]!.id })).map((e) => e.at)).toEqual([
				NOW + 1
			])
		})
	})

	describe('store', () => {
		it('docs/contract.md GET /health: ping answers while the store does', async () => {
			expect(await store.ping()).toBeUndefined()
			expect(store.kind).toBe(adapter.name)
			expect(store.location).toBeString()
		})
	})
})
