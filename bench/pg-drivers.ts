/**
 * Which PostgreSQL driver the store uses, by measurement on this machine (README, Running several
 * instances): primary-key reads per second and the bearer hot path's read (a session with its
 * user, one statement) through each candidate, against one seeded database on TEST_DATABASE_URL.
 *
 *     bun bench/pg-drivers.ts            # BENCH_SECONDS (default 2) per run, median of 3 runs
 *
 * Every candidate gets the same pool size and the same number of queries in flight, as a busy
 * server has; the order of candidates rotates between runs, since a shared machine drifts.
 */
import { SQL } from 'bun'
import { eq, sql as dsql } from 'drizzle-orm'
import { drizzle as drizzleBun } from 'drizzle-orm/bun-sql'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { sessions, users } from '../src/store/postgres/schema'
import { PostgresStore } from '../src/store/postgres'
import { migratePostgres } from '../src/store/postgres/migrate'
import { createDatabase, dropCreatedDatabases, postgresAvailable } from '../tests/helpers/postgres'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const RUNS = 3
const POOL = 10
const IN_FLIGHT = 32
const ROWS = 1000

if (!(await postgresAvailable())) process.exit(1)
const database = await createDatabase({ tag: 'bench' })
try {
	const seed = new SQL({ url: database.url, max: 2 })
	await migratePostgres(seed)
	await seed`INSERT INTO tessera_clients (id, grants, scopes) VALUES ('bench', 'password', 'profile')`
	await seed`
		INSERT INTO tessera_users (username, password_hash, scopes)
		SELECT 'user' || i, 'x', 'profile' FROM generate_series(1, ${ROWS}) AS i`
	await seed`
		INSERT INTO tessera_sessions (id, user_id, client_id, scope, expires_at)
		SELECT 's' || i, i, 'bench', 'profile', 4102444800 FROM generate_series(1, ${ROWS}) AS i`
	await seed`ANALYZE`
	await seed.close()

	const ids = Array.from({ length: ROWS }, (_, i) => `s${i + 1}`)
	const bun = new SQL({ url: database.url, max: POOL })
	const pjs = postgres(database.url, { max: POOL, onnotice: () => {} })
	// What ships: the store's own methods (Bun.SQL behind the port, with its guard).
	const store = await PostgresStore.open(database.url, { migrate: false, max: POOL })
	const dBun = drizzleBun({ client: bun })
	const dPjs = drizzlePostgresJs({ client: pjs })

	const withUser = { session: sessions, user: users }
	const drizzleQueries = (db: typeof dBun | typeof dPjs) => ({
		pk: db
			.select()
			.from(sessions)
			.where(eq(sessions.id, dsql.placeholder('id')))
			.prepare('bench_pk'),
		join: db
			.select(withUser)
			.from(sessions)
			.leftJoin(users, eq(users.id, sessions.userId))
			.where(eq(sessions.id, dsql.placeholder('id')))
			.prepare('bench_join')
	})
	const qBun = drizzleQueries(dBun)
	const qPjs = drizzleQueries(dPjs)

	type Op = (id: string) => Promise<unknown>
	const candidates: Record<string, { pk: Op; join: Op }> = {
		'Bun.SQL (tagged templates)': {
			pk: (id) => bun`SELECT * FROM tessera_sessions WHERE id = ${id}`,
			join: (id) => bun`
				SELECT s.*, u.username, u.password_hash, u.email, u.full_name, u.scopes, u.disabled,
					u.created_at AS user_created_at, u.updated_at AS user_updated_at
				FROM tessera_sessions s LEFT JOIN tessera_users u ON u.id = s.user_id WHERE s.id = ${id}`
		},
		'drizzle-orm/bun-sql': {
			pk: (id) => qBun.pk.execute({ id }),
			join: (id) => qBun.join.execute({ id })
		},
		'postgres.js (tagged templates)': {
			pk: (id) => pjs`SELECT * FROM tessera_sessions WHERE id = ${id}`,
			join: (id) => pjs`
				SELECT s.*, u.username, u.password_hash, u.email, u.full_name, u.scopes, u.disabled,
					u.created_at AS user_created_at, u.updated_at AS user_updated_at
				FROM tessera_sessions s LEFT JOIN tessera_users u ON u.id = s.user_id WHERE s.id = ${id}`
		},
		'drizzle-orm/postgres-js': {
			pk: (id) => qPjs.pk.execute({ id }),
			join: (id) => qPjs.join.execute({ id })
		},
		'PostgresStore (Bun.SQL, as shipped)': {
			pk: (id) => store.users.findById(Number(id.slice(1))),
			join: (id) => store.sessions.findWithUser(id)
		}
	}

	/** Reads per second with IN_FLIGHT workers, each awaiting its read before the next. */
	async function measure(op: Op): Promise<number> {
		for (let i = 0; i < 200; i++) await op(ids[i % ROWS]!)
		let done = 0
		const until = performance.now() + SECONDS * 1000
		const start = performance.now()
		await Promise.all(
			Array.from({ length: IN_FLIGHT }, async (_, w) => {
				for (let i = w; performance.now() < until; i += IN_FLIGHT) {
					await op(ids[i % ROWS]!)
					done++
				}
			})
		)
		return done / ((performance.now() - start) / 1000)
	}

	const names = Object.keys(candidates)
	const results = new Map(names.map((name) => [name, { pk: [] as number[], join: [] as number[] }]))
	for (let run = 0; run < RUNS; run++)
		for (let k = 0; k < names.length; k++) {
			const name = names[(k + run) % names.length]!
			for (const op of ['pk', 'join'] as const)
				results.get(name)![op].push(await measure(candidates[name]![op]))
		}
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
	const k = (n: number) => `${(n / 1000).toFixed(1)}k`
	console.log(`\n${RUNS} runs of ${SECONDS} s, pool ${POOL}, ${IN_FLIGHT} in flight, Bun ${Bun.version}\n`)
	console.log('| driver | PK reads/s (median; min–max) | session+user reads/s (median; min–max) |')
	console.log('|---|---|---|')
	for (const [name, { pk, join }] of results)
		console.log(
			`| ${name} | ${k(median(pk))} (${k(Math.min(...pk))}–${k(Math.max(...pk))}) | ${k(median(join))} (${k(Math.min(...join))}–${k(Math.max(...join))}) |`
		)
	await bun.close()
	await pjs.end()
	await store.close()
} finally {
	await dropCreatedDatabases()
}
