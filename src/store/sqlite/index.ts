/**
 * @module store/sqlite
 * The store on one SQLite file (or `:memory:`), through Drizzle on bun:sqlite. Every atomic
 * operation is one synchronous `immediate` transaction: it takes the write lock before its first
 * read, so it holds across requests and across processes sharing the file. `atomic()` only accepts
 * callbacks that return no promise, so an `await` (which would commit early) cannot get inside.
 */
import { Database } from 'bun:sqlite'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { and, asc, desc, eq, exists, getTableName, gt, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type {
	Admission,
	Freshness,
	EndedSession,
	SessionRow,
	SessionSelector,
	SessionWithUser,
	Store,
	ThrottleKey,
	UserRow
} from '../port'
import { FIRST_BLOCK_SECONDS, MAX_BLOCK_SECONDS, THROTTLE_MEMORY_SECONDS } from '../throttle-policy'
import { localFreshness, sharedFreshness } from './freshness'
import { migrateTessera } from './migrate'
import * as schema from './schema'
import { auditEvents, clients, loginThrottle, refreshTokens, sessions, signingKeys, users } from './schema'

export type SqliteDb = BunSQLiteDatabase<typeof schema> & { $client: Database }

const TESSERA_TABLES = Object.values(schema).map((table) => getTableName(table))

type NotPromise<T> = T extends PromiseLike<unknown> ? never : T

/** A synchronous write transaction that takes the lock first; no promise can cross it. */
function atomic<A extends unknown[], R>(sqlite: Database, body: (...args: A) => NotPromise<R>) {
	const transaction = sqlite.transaction(body)
	return (...args: A): R => transaction.immediate(...args)
}

/** Opens (creating and migrating) a database file, `:memory:`, or adopts an open Database. */
export function openSqliteDb(source: string | Database): SqliteDb {
	const path = typeof source === 'string' ? source : null
	if (path !== null && path !== ':memory:') {
		// Only the server's own user may read the keys and hashes inside: the file is made 0600
		// before SQLite opens it, and SQLite gives its -wal and -shm files the database's mode.
		if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
		if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
	}
	const sqlite = path === null ? (source as Database) : new Database(path, { create: true, strict: true })
	// WAL lets the CLI and the server share the file; NORMAL is durable across process crashes in WAL mode.
	sqlite.exec('PRAGMA journal_mode = WAL')
	sqlite.exec('PRAGMA synchronous = NORMAL')
	sqlite.exec('PRAGMA busy_timeout = 5000')
	if (path !== null && path !== ':memory:')
		for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`])
			if (existsSync(file)) chmodSync(file, 0o600)
	const db = drizzle({ client: sqlite, schema })
	// Table rebuilds in migrations must not cascade: foreign keys go on after, and are checked.
	sqlite.exec('PRAGMA foreign_keys = OFF')
	migrateTessera(db)
	// Only Tessera's own tables: a host app's data in the same file is not ours to judge.
	for (const table of TESSERA_TABLES)
		if (sqlite.query(`PRAGMA foreign_key_check("${table}")`).all().length > 0)
			throw new Error(`the database fails its foreign key check after migrating (${table})`)
	sqlite.exec('PRAGMA foreign_keys = ON')
	return db
}

export class SqliteStore implements Store {
	readonly kind = 'sqlite'
	readonly location: string
	readonly users
	readonly clients
	readonly sessions
	readonly throttle
	readonly keys
	readonly audit

	/** Moves whenever a session or account may have become less valid, in any process on this file. */
	readonly freshness: Freshness

	constructor(readonly db: SqliteDb) {
		const file = db.$client.filename
		this.location = file || ':memory:'
		this.freshness = file && file !== ':memory:' ? sharedFreshness(file) : localFreshness()
		const revoking = revokingWith(this.freshness)
		this.users = userPort(db, revoking)
		this.clients = clientPort(db, revoking)
		this.sessions = sessionPort(db, revoking, this.freshness)
		this.throttle = throttlePort(db)
		this.keys = keyPort(db)
		this.audit = auditPort(db)
	}

	static open(source: string | Database): SqliteStore {
		return new SqliteStore(openSqliteDb(source))
	}

	async ping(): Promise<void> {
		this.db.$client.query('SELECT 1').get()
	}

	async close(): Promise<void> {
		this.db.$client.close()
	}
}

/**
 * Wraps a write that can make a session or its account less valid: the freshness counter moves
 * before it starts and after it has committed (see freshness.ts for why both).
 */
type Revoking = <A extends unknown[], R>(write: (...args: A) => R) => (...args: A) => R

const revokingWith =
	(freshness: Freshness): Revoking =>
	(write) =>
	(...args) => {
		freshness.bump()
		try {
			return write(...args)
		} finally {
			freshness.bump()
		}
	}

const endSessions = (db: Pick<SqliteDb, 'update'>, where: SQL, reason: string, now: number): EndedSession[] =>
	db
		.update(sessions)
		.set({ endedAt: now, endReason: reason })
		.where(and(where, isNull(sessions.endedAt)))
		.returning({ id: sessions.id, userId: sessions.userId, clientId: sessions.clientId })
		.all()

const selectorWhere = (selector: SessionSelector): SQL => {
	if ('sessionId' in selector) return eq(sessions.id, selector.sessionId)
	if ('clientId' in selector) return eq(sessions.clientId, selector.clientId)
	const ofUser = eq(sessions.userId, selector.userId)
	return selector.exceptSessionId === undefined ? ofUser : and(ofUser, ne(sessions.id, selector.exceptSessionId))!
}

function userPort(db: SqliteDb, revoking: Revoking) {
	const updateUser = revoking(
		(id: number, changes: { disabled?: boolean; scopes?: string }, now: number) =>
			db.update(users).set({ ...changes, updatedAt: now }).where(eq(users.id, id)).returning().get() ?? null
	)
	// The user's sessions go with it (foreign-key cascade).
	const deleteUser = revoking(
		(id: number) => db.delete(users).where(eq(users.id, id)).returning({ id: users.id }).all().length > 0
	)
	const byId = db
		.select()
		.from(users)
		.where(eq(users.id, sql.placeholder('id')))
		.prepare()
	const byUsername = db
		.select()
		.from(users)
		.where(sql`lower(${users.username}) = lower(${sql.placeholder('username')})`)
		.prepare()
	return {
		async findById(id: number) {
			return byId.get({ id }) ?? null
		},
		async findByUsername(username: string) {
			return byUsername.get({ username }) ?? null
		},
		async insert(user: Omit<UserRow, 'id'>) {
			// The unique index on lower(username) decides between racing registrations.
			return db.insert(users).values(user).onConflictDoNothing().returning().get() ?? null
		},
		async setPasswordHash(id: number, passwordHash: string, now: number, replacing?: string) {
			const where = eq(users.id, id)
			const updated = db
				.update(users)
				.set({ passwordHash, updatedAt: now })
				.where(replacing === undefined ? where : and(where, eq(users.passwordHash, replacing)))
				.returning({ id: users.id })
				.all()
			return updated.length > 0
		},
		async update(id: number, changes: { disabled?: boolean; scopes?: string }, now: number) {
			return updateUser(id, changes, now)
		},
		async list(filter: { afterId?: number; limit: number; usernamePrefix?: string; disabled?: boolean }) {
			const conditions: SQL[] = []
			if (filter.afterId !== undefined) conditions.push(gt(users.id, filter.afterId))
			// A plain prefix, no LIKE: its wildcards cannot be escaped by default.
			if (filter.usernamePrefix !== undefined)
				conditions.push(
					sql`substr(${users.username}, 1, length(${filter.usernamePrefix})) = ${filter.usernamePrefix}`
				)
			if (filter.disabled !== undefined) conditions.push(eq(users.disabled, filter.disabled))
			return db
				.select()
				.from(users)
				.where(conditions.length ? and(...conditions) : undefined)
				.orderBy(asc(users.id))
				.limit(filter.limit)
				.all()
		},
		async delete(id: number) {
			return deleteUser(id)
		}
	}
}

function clientPort(db: SqliteDb, revoking: Revoking) {
	const byId = db
		.select()
		.from(clients)
		.where(eq(clients.id, sql.placeholder('id')))
		.prepare()
	// Changing what a client may grant can take scopes away from it.
	const upsert = revoking((client: typeof clients.$inferSelect) =>
		db
			.insert(clients)
			.values(client)
			.onConflictDoUpdate({ target: clients.id, set: { grants: client.grants, scopes: client.scopes } })
			.run()
	)
	const deleteClient = revoking(atomic(db.$client, (id: string): EndedSession[] | null => {
		const ended = db
			.select({ id: sessions.id, userId: sessions.userId, clientId: sessions.clientId })
			.from(sessions)
			.where(and(eq(sessions.clientId, id), isNull(sessions.endedAt)))
			.all()
		// Its sessions go with it (foreign-key cascade), and with them every token it holds.
		const deleted = db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id }).all()
		return deleted.length > 0 ? ended : null
	}))
	return {
		async find(id: string) {
			return byId.get({ id }) ?? null
		},
		async insert(client: typeof clients.$inferSelect) {
			return db.insert(clients).values(client).onConflictDoNothing().returning().get() ?? null
		},
		async upsert(client: typeof clients.$inferSelect) {
			upsert(client)
		},
		async list(page: { afterId?: string; limit: number }) {
			return db
				.select()
				.from(clients)
				.where(page.afterId === undefined ? undefined : gt(clients.id, page.afterId))
				.orderBy(asc(clients.id))
				.limit(page.limit)
				.all()
		},
		async delete(id: string) {
			return deleteClient(id)
		}
	}
}

function sessionPort(db: SqliteDb, revoking: Revoking, freshness: Freshness) {
	const sqlite = db.$client
	// Raw prepared statements on the hot path: two primary-key reads, no query building per call.
	const sessionById = sqlite.query<SessionRow, { id: string }>(
		`SELECT id, user_id AS userId, client_id AS clientId, scope, created_at AS createdAt,
			expires_at AS expiresAt, ended_at AS endedAt, end_reason AS endReason
		FROM tessera_sessions WHERE id = $id`
	)
	const userById = sqlite.query<Omit<UserRow, 'disabled'> & { disabled: number }, { id: number }>(
		`SELECT id, username, password_hash AS passwordHash, email, full_name AS fullName, scopes,
			disabled, created_at AS createdAt, updated_at AS updatedAt
		FROM tessera_users WHERE id = $id`
	)
	const readWithUser = (sessionId: string): SessionWithUser | null => {
		const session = sessionById.get({ id: sessionId })
		if (!session) return null
		const row = session.userId === null ? null : userById.get({ id: session.userId })
		return { session, user: row ? { ...row, disabled: row.disabled !== 0 } : null }
	}
	// One snapshot for both reads.
	const findWithUser = sqlite.transaction(readWithUser)
	const owner = db
		.select({ token: refreshTokens, session: sessions })
		.from(refreshTokens)
		.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
		.where(eq(refreshTokens.tokenHash, sql.placeholder('hash')))
		.prepare()
	const now = sql.placeholder('now')
	// The token, if unused, unexpired and of a live session of this client; the session is
	// checked by its primary key (EXISTS), O(1).
	const consume = db
		.update(refreshTokens)
		.set({ rotatedAt: sql`${now}` })
		.where(
			and(
				eq(refreshTokens.tokenHash, sql.placeholder('hash')),
				isNull(refreshTokens.rotatedAt),
				gt(refreshTokens.expiresAt, now),
				exists(
					db
						.select({ id: sessions.id })
						.from(sessions)
						.where(
							and(
								eq(sessions.id, refreshTokens.sessionId),
								eq(sessions.clientId, sql.placeholder('clientId')),
								isNull(sessions.endedAt),
								gt(sessions.expiresAt, now)
							)
						)
				)
			)
		)
		.returning({ sessionId: refreshTokens.sessionId })
		.prepare()
	// Spent tokens are kept only as long as reuse detection needs them: the latest one per session.
	const forgetSpent = sqlite.query<never, { sessionId: string; keep: string }>(
		`DELETE FROM tessera_refresh_tokens
		WHERE session_id = $sessionId AND rotated_at IS NOT NULL AND token_hash <> $keep`
	)
	const insertToken = db
		.insert(refreshTokens)
		.values({
			tokenHash: sql.placeholder('tokenHash'),
			sessionId: sql.placeholder('sessionId'),
			createdAt: sql.placeholder('createdAt'),
			expiresAt: sql.placeholder('expiresAt')
		})
		.prepare()

	const end = revoking((selector: SessionSelector, reason: string, at: number) =>
		endSessions(db, selectorWhere(selector), reason, at)
	)

	const start = atomic(
		sqlite,
		(session: SessionRow, refresh: { tokenHash: string; expiresAt: number } | null): void => {
			db.insert(sessions).values(session).run()
			if (refresh)
				insertToken.run({ ...refresh, sessionId: session.id, createdAt: session.createdAt })
		}
	)

	const rotate = atomic(sqlite, (input: Parameters<Store['sessions']['rotateRefreshToken']>[0]) => {
		const { tokenHash: hash, clientId, now } = input
		const consumed = consume.get({ hash, now, clientId })
		if (consumed) {
			const found = readWithUser(consumed.sessionId)!
			input.check(found)
			insertToken.run({
				tokenHash: input.successorHash,
				sessionId: found.session.id,
				createdAt: now,
				// Sliding life, never past the session's absolute end.
				expiresAt: Math.min(now + input.refreshTtlSeconds, found.session.expiresAt)
			})
			forgetSpent.run({ sessionId: found.session.id, keep: hash })
			return { outcome: 'rotated' as const, session: found.session, user: found.user }
		}
		const known = owner.get({ hash })
		if (!known) return { outcome: 'refused' as const, reason: 'unknown refresh token' }
		// RFC 6749 §10.4: bound to its client; another client learns nothing and ends nothing.
		if (known.session.clientId !== clientId)
			return { outcome: 'refused' as const, reason: 'token of another client' }
		const { rotatedAt } = known.token
		if (rotatedAt === null || known.session.endedAt !== null || known.session.expiresAt <= now)
			return { outcome: 'refused' as const, reason: 'expired token or ended session' }
		if (now - rotatedAt < input.graceSeconds)
			return { outcome: 'refused' as const, reason: 'rotated within the reuse grace' }
		// RFC 9700 §4.14.2: a rotated token presented again means it leaked; end the whole family.
		// Memory stops trusting itself before the end is written (and again once it is committed).
		freshness.bump()
		endSessions(db, eq(sessions.id, known.session.id), 'refresh_reuse', now)
		return { outcome: 'reused' as const, session: known.session }
	})

	const prune = atomic(sqlite, (at: number, keepEndedSeconds: number) => {
		const tokens = db
			.delete(refreshTokens)
			.where(lte(refreshTokens.expiresAt, at))
			.returning({ hash: refreshTokens.tokenHash })
			.all().length
		const ended = db
			.delete(sessions)
			.where(or(lte(sessions.expiresAt, at), lte(sessions.endedAt, at - keepEndedSeconds)))
			.returning({ id: sessions.id })
			.all().length
		return { sessions: ended, refreshTokens: tokens }
	})

	return {
		async findWithUser(sessionId: string) {
			return findWithUser(sessionId)
		},
		async start(session: SessionRow, refresh: { tokenHash: string; expiresAt: number } | null) {
			start(session, refresh)
		},
		async rotateRefreshToken(input: Parameters<Store['sessions']['rotateRefreshToken']>[0]) {
			const rotation = rotate(input)
			if (rotation.outcome === 'reused') freshness.bump()
			return rotation
		},
		async findByRefreshToken(tokenHash: string) {
			return owner.get({ hash: tokenHash }) ?? null
		},
		async end(selector: SessionSelector, reason: string, at: number) {
			return end(selector, reason, at)
		},
		async prune(at: number, keepEndedSeconds: number) {
			return prune(at, keepEndedSeconds)
		}
	}
}

/** The failure count after this one: from 1 again when the last failure is forgotten. */
const nextFailuresSql = `CASE WHEN last_failure_at <= $now - ${THROTTLE_MEMORY_SECONDS} THEN 1 ELSE failures + 1 END`
/** Until when `n` failures block: FIRST_BLOCK_SECONDS · 2^(n − free), capped; 0 below the limit. */
const blockedUntilSql = (n: string) =>
	`CASE WHEN ${n} >= $free THEN $now + min(${MAX_BLOCK_SECONDS}, ${FIRST_BLOCK_SECONDS} << min(${n} - $free, 30)) ELSE 0 END`

function throttlePort(db: SqliteDb) {
	const sqlite = db.$client
	const blockedUntil = sqlite.query<{ until: number | null }, { keys: string }>(
		'SELECT max(blocked_until) AS until FROM tessera_login_throttle WHERE key IN (SELECT value FROM json_each($keys))'
	)
	// One statement per count: the count, its block and its forgetting decided atomically.
	const count = sqlite.query<{ blocked_until: number }, { key: string; now: number; free: number }>(
		`INSERT INTO tessera_login_throttle (key, failures, last_failure_at, blocked_until)
		VALUES ($key, 1, $now, ${blockedUntilSql('1')})
		ON CONFLICT (key) DO UPDATE SET
			failures = ${nextFailuresSql}, last_failure_at = $now,
			blocked_until = ${blockedUntilSql(nextFailuresSql)}
		RETURNING blocked_until`
	)
	const release = sqlite.query<never, { key: string; free: number }>(
		`UPDATE tessera_login_throttle
		SET failures = failures - 1,
			blocked_until = CASE WHEN failures - 1 >= $free THEN blocked_until ELSE 0 END
		WHERE key = $key AND failures > 0`
	)
	const reset = sqlite.query<never, { key: string }>('DELETE FROM tessera_login_throttle WHERE key = $key')
	const prune = sqlite.query<never, { now: number; memory: number }>(
		'DELETE FROM tessera_login_throttle WHERE blocked_until <= $now AND last_failure_at <= $now - $memory'
	)
	const admit = atomic(sqlite, (keys: readonly ThrottleKey[], now: number): Admission => {
		const until = blockedUntil.get({ keys: JSON.stringify(keys.map((k) => k.key)) })?.until ?? 0
		if (until > now) return { retryAfter: until - now }
		let blockSeconds = 0
		for (const { key, freeFailures } of keys) {
			const counted = count.get({ key, now, free: freeFailures })!
			blockSeconds = Math.max(blockSeconds, counted.blocked_until - now)
		}
		return { blockSeconds }
	})
	return {
		async admit(keys: readonly ThrottleKey[], now: number) {
			return admit(keys, now)
		},
		async release({ key, freeFailures }: ThrottleKey) {
			release.run({ key, free: freeFailures })
		},
		async reset(key: string) {
			reset.run({ key })
		},
		async prune(now: number) {
			return prune.run({ now, memory: THROTTLE_MEMORY_SECONDS }).changes
		}
	}
}

function keyPort(db: SqliteDb) {
	const currentOf = (alg: string) =>
		db
			.select()
			.from(signingKeys)
			.where(and(isNull(signingKeys.retiredAt), eq(signingKeys.alg, alg)))
			.orderBy(desc(signingKeys.createdAt))
			.get() ?? null
	const createFirst = atomic(db.$client, (key: typeof signingKeys.$inferSelect): boolean => {
		if (currentOf(key.alg)) return false
		db.insert(signingKeys).values(key).run()
		return true
	})
	const rotate = atomic(db.$client, (key: typeof signingKeys.$inferSelect, retiredUntil: number): void => {
		db.update(signingKeys)
			.set({ retiredAt: key.createdAt, expiresAt: retiredUntil })
			.where(isNull(signingKeys.retiredAt))
			.run()
		db.insert(signingKeys).values(key).run()
	})
	const reseal = atomic(db.$client, (sealed: ReadonlyMap<string, string>): number => {
		for (const [kid, privateJwk] of sealed)
			db.update(signingKeys).set({ privateJwk }).where(eq(signingKeys.kid, kid)).run()
		return sealed.size
	})
	return {
		async list(now: number) {
			return db
				.select()
				.from(signingKeys)
				.where(or(isNull(signingKeys.expiresAt), gt(signingKeys.expiresAt, now)))
				.orderBy(desc(signingKeys.createdAt))
				.all()
		},
		async current(alg: string) {
			return currentOf(alg)
		},
		async createFirst(key: typeof signingKeys.$inferSelect) {
			return createFirst(key)
		},
		async rotate(key: typeof signingKeys.$inferSelect, retiredUntil: number) {
			rotate(key, retiredUntil)
		},
		async reseal(sealed: ReadonlyMap<string, string>) {
			return reseal(sealed)
		},
		async prune(now: number) {
			return db.delete(signingKeys).where(lte(signingKeys.expiresAt, now)).returning({ kid: signingKeys.kid }).all()
				.length
		}
	}
}

function auditPort(db: SqliteDb) {
	return {
		async insert(event: Omit<typeof auditEvents.$inferSelect, 'id'>) {
			db.insert(auditEvents).values(event).run()
		},
		async list(filter: { beforeId?: number; limit: number; userId?: number; type?: string }) {
			const conditions: SQL[] = []
			if (filter.beforeId !== undefined) conditions.push(lt(auditEvents.id, filter.beforeId))
			if (filter.userId !== undefined) conditions.push(eq(auditEvents.userId, filter.userId))
			if (filter.type !== undefined) conditions.push(eq(auditEvents.type, filter.type))
			return db
				.select()
				.from(auditEvents)
				.where(conditions.length ? and(...conditions) : undefined)
				.orderBy(desc(auditEvents.id))
				.limit(filter.limit)
				.all()
		}
	}
}

