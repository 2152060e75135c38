/**
 * `bun run bench`: the real server (`bun src/server/main.ts`, what `bun run start` runs) on a
 * temporary database seeded through the library, pinned to core 0; wrk drives it from core 1.
 * Figures are read against references measured in the same run on the same core (a bare Elysia
 * app, raw `Bun.password.verify`, raw jose signing), because on a shared machine absolute numbers
 * drift and ratios hold. Prints a markdown table (the median of 3 runs per scenario), the
 * in-process breakdown of the bearer path, and every run's figure.
 *
 * `bun run bench soak`: mixed load for SOAK_MINUTES (default 10) on each store (bench/soak.ts).
 *
 * BENCH_SECONDS (default 5) sets the length of one wrk run; every other setting (JWT_ALG,
 * PASSWORD_MEMORY_KIB, LOG_LEVEL, …) is passed to the servers and the references as `bun run start`
 * reads it. PostgreSQL rows run when this build has the PostgreSQL store and a server answers
 * (bench/stores.ts: BENCH_DATABASE_URL, BENCH_POSTGRES=0).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PRINCIPAL_CACHE_SIZE } from '../src/auth/principal'
import { loadConfig } from '../src/server/config'
import { VERIFIED_CACHE_SIZE } from '../src/tokens/access-token'
import { burst, formRequest } from './burst'
import {
	describeErrors,
	duringRss,
	elapsedSeconds,
	errorsOf,
	HOST,
	load,
	LOAD_CORE,
	machineLine,
	mb,
	median,
	ms,
	progress,
	rate,
	ratio,
	SERVER_CORE,
	startServer,
	type LoadRun,
	type Server
} from './harness'
import type { CacheMemory, Stage } from './in-process'
import { freePort, killAll, memoryBytes, pinSelf, spawn, stop, waitFor200 } from './processes'
import { mintAccessTokens, mintRefreshTokens, seedUsers, startSessions, type Seeded } from './seed'
import { soak } from './soak'
import { postgresDatabase, settle, sqliteStore, type BenchStore, type PostgresDatabase } from './stores'
import { ensureWrk, okPerSecond, type WrkResult } from './wrk'

const command = process.argv[2]
if (command === 'soak') await soak()
else if (command === undefined) await suite()
else {
	console.error('usage: bun run bench [soak]')
	process.exit(2)
}

async function suite() {
	const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
	const RUNS = 3
	const CONNECTIONS = 64
	/** The two rotation scenarios: within the caches (65 536 entries each), and beyond them. */
	const FEW_TOKENS = 10_000
	const MANY_TOKENS = 100_000
	/** Logins spread over many users, all with the right password, so login throttling never engages. */
	const USERS = 100
	/** Enough to keep every Argon2 slot busy, fewer than its waiting queue holds (no 503 spinning). */
	const LOGIN_CONNECTIONS = 16
	const BURST_LOGINS = 500
	/** Refresh tokens per run: many more than connections (bench/lua/refresh.lua recycles them). */
	const REFRESH_POOL = 1000
	/** The second server's algorithm, for refresh against the protected route. */
	const SECOND_ALG = 'ES256'

	try {
		ensureWrk()
	} catch (error) {
		console.error(`bench: ${(error as Error).message}`)
		process.exit(1)
	}
	if (SERVER_CORE.length === 0)
		progress(
			'taskset or a second core is missing: server and load generator share the cores (figures are rougher)'
		)

	const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
	const sqlite = sqliteStore(dir)
	const env: Record<string, string | undefined> = {
		...process.env,
		...sqlite.env,
		// Fixed, so tokens minted here verify on every server whatever its port.
		ISSUER: process.env.ISSUER ?? 'http://localhost:3000',
		LOG_LEVEL: process.env.LOG_LEVEL ?? 'info'
	}
	const mainAlg = loadConfig(env).jwtAlg
	const secondEnv = { ...env, JWT_ALG: SECOND_ALG, JWT_SECRET: undefined }
	const load_ = (run: LoadRun, seconds = SECONDS) => load(dir, run, seconds)
	let references = 0
	const reference = async (
		script: string,
		referenceEnv: Record<string, string | undefined>,
		seconds = SECONDS
	) => {
		// A log of its own per run: Bun writes a spawned process's stdout over an existing file
		// without truncating it, so a shorter line would keep the tail of the last one.
		const log = join(dir, `${script}-${references++}.log`)
		const proc = spawn(
			[...SERVER_CORE, process.execPath, `bench/${script}.ts`],
			{ ...referenceEnv, BENCH_SECONDS: String(seconds), BENCH_RUNS: '1' },
			log
		)
		if ((await proc.proc.exited) !== 0)
			throw new Error(`${script} failed: ${await Bun.file(`${log}.err`).text()}`)
		return JSON.parse(await Bun.file(log).text()) as { concurrency: number; perSecond: number[] }
	}
	let postgres: PostgresDatabase | { skipped: string } = { skipped: 'not reached' }
	const servers: Server[] = []
	let finished = false
	try {
		// Seeding: through the library, before any server starts, on every core.
		progress(`seeding ${USERS} users, ${FEW_TOKENS} sessions and ${MANY_TOKENS} access tokens (SQLite)`)
		const seeded = await seedUsers(env, USERS)
		const sessions = await startSessions(seeded, FEW_TOKENS)
		const mintStarted = performance.now()
		// Token i belongs to session i % 10 000: the first 10 000 have a session each.
		const tokens = await mintAccessTokens(seeded, MANY_TOKENS, sessions)
		const mintSeconds = (performance.now() - mintStarted) / 1000
		progress(`minted ${MANY_TOKENS} tokens in ${mintSeconds.toFixed(1)} s`)
		const files = {
			few: join(dir, 'tokens-few.txt'),
			// The 10 000 of the first scenario last: the second starts on tokens no cache holds.
			many: join(dir, 'tokens-many.txt'),
			users: join(dir, 'users.txt')
		}
		await Bun.write(files.few, tokens.slice(0, FEW_TOKENS).join('\n'))
		await Bun.write(files.many, [...tokens.slice(FEW_TOKENS), ...tokens.slice(0, FEW_TOKENS)].join('\n'))
		await Bun.write(files.users, seeded.users.map((u) => `${u.username} ${u.password}`).join('\n'))
		settle(seeded.tessera)
		const refreshPool = async (from: Seeded, name: string, count: number) => {
			const path = join(dir, name)
			await Bun.write(path, (await mintRefreshTokens(from, count)).join('\n'))
			settle(from.tessera)
			return path
		}

		postgres = await postgresDatabase(env)
		const pgStores: BenchStore[] = 'stores' in postgres ? postgres.stores : []
		let pgSeeded: Seeded | null = null
		let pgToken = ''
		if ('skipped' in postgres) progress(`PostgreSQL: skipped (${postgres.skipped})`)
		else {
			progress('seeding PostgreSQL')
			pgSeeded = await seedUsers({ ...env, ...pgStores[0]!.env }, 4)
			pgToken = (await mintAccessTokens(pgSeeded, 1, await startSessions(pgSeeded, 1)))[0]!
		}
		pinSelf(LOAD_CORE)

		// Every server runs beside the others on core 0; only one is under load at a time, and their
		// runs alternate so that each ratio's two sides see the same drift of a shared machine.
		progress('servers: starting')
		const main = await startServer('server', env, dir)
		servers.push(main)
		await Bun.sleep(1000)
		const idleRss = await memoryBytes(main.proc.pid, 'VmRSS')
		const quiet = await startServer('server-error-log', { ...env, LOG_LEVEL: 'error' }, dir)
		servers.push(quiet)
		const pgServers: { store: BenchStore; server: Server }[] = []
		for (const store of pgStores) {
			const server = await startServer(
				`server-${store.label.replace(/\W+/g, '-')}`,
				{ ...env, ...store.env },
				dir
			)
			servers.push(server)
			pgServers.push({ store, server })
		}
		const elysiaPort = await freePort()
		const elysia = spawn(
			[...SERVER_CORE, process.execPath, 'bench/reference-elysia.ts'],
			{ ...process.env, PORT: String(elysiaPort) },
			join(dir, 'elysia.log')
		)
		await waitFor200(`http://${HOST}:${elysiaPort}/`, elysia)

		const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
		const meOf = (server: Server, token = tokens[0]!): LoadRun => ({
			url: `${server.base}/users/me`,
			connections: CONNECTIONS,
			headers: bearer(token)
		})

		progress(
			'scenario: GET /users/me, one token, at LOG_LEVEL info and error, on every store, with bare Elysia'
		)
		const oneToken = [
			{ name: 'elysia', run: { url: `http://${HOST}:${elysiaPort}/`, connections: CONNECTIONS } },
			{ name: 'info', run: meOf(main) },
			{ name: 'error', run: meOf(quiet) },
			...pgServers.map(({ store, server }) => ({ name: store.label, run: meOf(server, pgToken) }))
		]
		const oneTokenRuns = new Map<string, WrkResult[]>(oneToken.map(({ name }) => [name, []]))
		const loadRss: number[] = []
		for (const { run } of oneToken) await load_(run, 1)
		for (let i = 0; i < RUNS; i++)
			for (const { name, run } of oneToken) {
				if (name === 'info') {
					const { result, rss } = await duringRss(main.proc.pid, load_(run))
					loadRss.push(median(rss))
					oneTokenRuns.get(name)!.push(result)
				} else oneTokenRuns.get(name)!.push(await load_(run))
			}
		await stop(elysia)

		// Consecutive runs go on through the list, so no run starts on tokens the last one cached.
		const rotation = async (file: string, count: number, warmUp: boolean) => {
			let offset = 0
			const run = (seconds: number) =>
				load_(
					{
						url: `${main.base}/users/me`,
						connections: CONNECTIONS,
						script: 'bearer-rotation',
						args: [file, String(offset % count)]
					},
					seconds
				).then((result) => {
					offset += result.requests
					return result
				})
			// Within the caches: every token is seen once before timing (a few 1 s runs if need be).
			if (warmUp) for (let i = 0; i < 10 && offset < count; i++) await run(1)
			const runs: WrkResult[] = []
			for (let i = 0; i < RUNS; i++) runs.push(await run(SECONDS))
			return { runs, seen: offset }
		}
		const rssBeforeTokens = await memoryBytes(main.proc.pid, 'VmRSS')
		progress(`scenario: GET /users/me, ${FEW_TOKENS} tokens in rotation`)
		const few = await rotation(files.few, FEW_TOKENS, true)
		const rssFewTokens = await memoryBytes(main.proc.pid, 'VmRSS')
		progress(
			`scenario: GET /users/me, ${MANY_TOKENS} tokens in rotation (each seen again only after the caches have let it go)`
		)
		// Every request misses both caches from the first on; the JIT is warm from the last scenario.
		const many = await rotation(files.many, MANY_TOKENS, false)
		const rssManyTokens = await memoryBytes(main.proc.pid, 'VmRSS')

		progress('scenario: password grant (alternating with raw Bun.password.verify)')
		const loginRun: LoadRun = {
			url: `${main.base}/oauth/token`,
			connections: LOGIN_CONNECTIONS,
			script: 'login',
			args: [files.users]
		}
		// wrk stops with up to LOGIN_CONNECTIONS logins still queued for Argon2; they would eat into
		// whatever runs next (and, all from one address, into the next run's share of the queue).
		// The queue is first in, first out: one more login answered means they are done.
		const drainLogins = () =>
			fetch(`${main.base}/oauth/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: `grant_type=password&username=${seeded.users[0]!.username}&password=${seeded.users[0]!.password}`
			}).then((response) => response.arrayBuffer())
		await load_(loginRun, 1)
		await drainLogins()
		const verifyRates: number[] = []
		const loginRuns: WrkResult[] = []
		let verifyConcurrency = 0
		for (let i = 0; i < RUNS; i++) {
			const verify = await reference('reference-verify', env)
			verifyConcurrency = verify.concurrency
			verifyRates.push(...verify.perSecond)
			loginRuns.push(await load_(loginRun))
			await drainLogins()
		}

		// Every refresh consumes its token and bench/lua/refresh.lua queues the one it gets back: a
		// fresh pool per run (wrk's queue ends with it) needs only to outnumber the connections.
		const refreshRun = (server: Server, pool: string, seconds = SECONDS) =>
			load_(
				{
					url: `${server.base}/oauth/token`,
					connections: CONNECTIONS,
					script: 'refresh',
					args: [pool]
				},
				seconds
			)
		const refreshPools = async (server: Server, from: Seeded) => {
			await refreshRun(
				server,
				await refreshPool(from, `refresh-${server.name}-warm-up.txt`, REFRESH_POOL),
				1
			)
			const pools: string[] = []
			for (let i = 0; i < RUNS; i++)
				pools.push(await refreshPool(from, `refresh-${server.name}-${i}.txt`, REFRESH_POOL))
			return pools
		}
		/** Refresh runs of `targets`, alternating with runs of the raw-signing reference at `signEnv`'s algorithm. */
		const refreshAgainstSigning = async (
			targets: { name: string; server: Server; from: Seeded }[],
			signEnv: Record<string, string | undefined>
		) => {
			const pools = new Map<string, string[]>()
			for (const { name, server, from } of targets) pools.set(name, await refreshPools(server, from))
			const runs = new Map<string, WrkResult[]>(targets.map(({ name }) => [name, []]))
			const signRates: number[] = []
			for (let i = 0; i < RUNS; i++) {
				// Signing alone is steady CPU work: 2 s give thousands of signatures, and keep the bench short.
				signRates.push(
					...(await reference('reference-sign', signEnv, Math.min(SECONDS, 2))).perSecond
				)
				for (const { name, server } of targets)
					runs.get(name)!.push(await refreshRun(server, pools.get(name)![i]!))
			}
			return { runs, signRates }
		}
		progress(
			`scenario: refresh grant, ${mainAlg} (alternating with raw ${mainAlg} signing), on every store`
		)
		const refresh = await refreshAgainstSigning(
			[
				{ name: 'sqlite', server: main, from: seeded },
				...pgServers.map(({ store, server }) => ({ name: store.label, server, from: pgSeeded! }))
			],
			env
		)

		progress(
			`scenario: refresh grant, ${SECOND_ALG} (a second server; alternating with raw ${SECOND_ALG} signing)`
		)
		const second = await startServer(`server-${SECOND_ALG}`, secondEnv, dir)
		servers.push(second)
		const secondRefresh = await refreshAgainstSigning(
			[{ name: 'second', server: second, from: seeded }],
			secondEnv
		)
		await stop(second)

		progress('scenario: GET /users/me p99, idle and under a login flood')
		const idleRuns: WrkResult[] = []
		const floodRuns: WrkResult[] = []
		const floodLogins: WrkResult[] = []
		for (let i = 0; i < RUNS; i++) {
			idleRuns.push(await load_(meOf(main)))
			const flood = load_(loginRun, SECONDS + 2)
			await Bun.sleep(1000) // Argon2 saturated before measuring
			floodRuns.push(await load_(meOf(main)))
			floodLogins.push(await flood)
			await drainLogins()
		}
		for (const server of servers) await stop(server)
		await seeded.tessera.store.close()
		if (pgSeeded) await pgSeeded.tessera.store.close()

		progress('in process: the bearer path stage by stage, and the memory of a cached token')
		const inProcessLog = join(dir, 'in-process.log')
		const inProcess = spawn(
			[...SERVER_CORE, process.execPath, 'bench/in-process.ts', '--json'],
			{ ...process.env, ITERATIONS: process.env.ITERATIONS ?? '20000' },
			inProcessLog
		)
		if ((await inProcess.proc.exited) !== 0)
			throw new Error(`in-process failed: ${await Bun.file(`${inProcessLog}.err`).text()}`)
		const { stages, memory } = JSON.parse(await Bun.file(inProcessLog).text()) as {
			stages: Stage[]
			memory: CacheMemory
		}

		progress(`scenario: cold start and ${BURST_LOGINS} logins at once (a fresh server each run)`)
		const coldStarts: number[] = []
		const peaks: number[] = []
		const answered: number[][] = []
		const loginBodies = seeded.users.map(
			(u) => `grant_type=password&username=${u.username}&password=${u.password}`
		)
		for (let i = 0; i < RUNS; i++) {
			const fresh = await startServer(`server-cold-${i}`, env, dir)
			coldStarts.push(fresh.coldStartMs)
			const port = Number(new URL(fresh.base).port)
			const statuses = await burst(
				HOST,
				port,
				Array.from({ length: BURST_LOGINS }, (_, n) =>
					formRequest(HOST, port, '/oauth/token', loginBodies[n % loginBodies.length]!)
				)
			)
			peaks.push(await memoryBytes(fresh.proc.pid, 'VmHWM'))
			answered.push(statuses)
			await stop(fresh)
		}

		// The table.
		const rateOf = (runs: WrkResult[]) => median(runs.map(okPerSecond))
		const oneTokenRate = (name: string) => rateOf(oneTokenRuns.get(name) ?? [])
		const elysiaRate = oneTokenRate('elysia')
		const infoRate = oneTokenRate('info')
		const errorRate = oneTokenRate('error')
		const fewRate = rateOf(few.runs)
		const manyRate = rateOf(many.runs)
		const loginRate = rateOf(loginRuns)
		const verifyRate = median(verifyRates)
		const refreshRate = rateOf(refresh.runs.get('sqlite')!)
		const signRate = median(refresh.signRates)
		const secondRate = rateOf(secondRefresh.runs.get('second')!)
		const secondSignRate = median(secondRefresh.signRates)
		const idleP99 = median(idleRuns.map((r) => r.p99Us)) / 1000
		const floodP99 = median(floodRuns.map((r) => r.p99Us)) / 1000
		const peak = median(peaks)
		const coldStart = median(coldStarts)
		const underLoadRss = median(loadRss)
		const unanswered = answered.flat().filter((s) => ![200, 429, 503].includes(s))
		const statusCounts = (statuses: number[]) => {
			const counts = new Map<number, number>()
			for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1)
			return [...counts]
				.sort(([a], [b]) => a - b)
				.map(([s, n]) => `${n}×${s || 'none'}`)
				.join(', ')
		}
		const verdict = (ok: boolean, runs: WrkResult[][] = []) => {
			const failures = runs
				.flat()
				.filter((r) => errorsOf(r) > 0)
				.map(describeErrors)
			return failures.length ? `**fail** (${failures.join('; ')})` : ok ? 'pass' : '**fail**'
		}
		const reported = (runs: WrkResult[][]) => {
			const failures = runs.flat().filter((r) => errorsOf(r) > 0)
			return failures.length ? verdict(true, runs) : '—'
		}
		const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
		const cachedAtMost = Math.min(many.seen + few.seen, VERIFIED_CACHE_SIZE)

		const rows: string[][] = [
			[
				`\`GET /users/me\`, one token, ${CONNECTIONS} connections, LOG_LEVEL=${env.LOG_LEVEL}`,
				rate(infoRate),
				`${rate(elysiaRate)} (bare Elysia)`,
				ratio(infoRate, elysiaRate),
				'≥ 0.6×',
				verdict(infoRate / elysiaRate >= 0.6, [
					oneTokenRuns.get('info')!,
					oneTokenRuns.get('elysia')!
				])
			],
			[
				`\`GET /users/me\`, one token, ${CONNECTIONS} connections, LOG_LEVEL=error`,
				rate(errorRate),
				`${rate(elysiaRate)} (bare Elysia)`,
				ratio(errorRate, elysiaRate),
				'≥ 0.6×',
				verdict(errorRate / elysiaRate >= 0.6, [oneTokenRuns.get('error')!])
			],
			[
				`\`GET /users/me\`, ${FEW_TOKENS.toLocaleString('en-US')} tokens in rotation (all cached)`,
				rate(fewRate),
				`${rate(infoRate)} (one token)`,
				ratio(fewRate, infoRate),
				'≥ 0.5×',
				verdict(fewRate / infoRate >= 0.5, [few.runs])
			],
			[
				`\`GET /users/me\`, ${MANY_TOKENS.toLocaleString('en-US')} tokens in rotation (every request a cache miss)`,
				rate(manyRate),
				`${rate(infoRate)} (one token)`,
				ratio(manyRate, infoRate),
				'report',
				reported([many.runs])
			],
			[
				`memory per cached token (in process, ${memory.tokens.toLocaleString('en-US')} tokens, both caches)`,
				kib(memory.perToken),
				`verified-token cache ${kib(memory.verifiedPerToken)}, principal cache ${kib(memory.perToken - memory.verifiedPerToken)}`,
				'—',
				'report',
				`both caches full (${VERIFIED_CACHE_SIZE.toLocaleString('en-US')} + ${PRINCIPAL_CACHE_SIZE.toLocaleString('en-US')} entries): ${mb(memory.boundBytes)}`
			],
			['server RSS, idle after start', mb(idleRss), '—', '—', 'report', '—'],
			[
				'server RSS under load (`GET /users/me`, one token)',
				mb(underLoadRss),
				`${mb(idleRss)} (idle)`,
				ratio(underLoadRss, idleRss),
				'report',
				'—'
			],
			[
				`server RSS after the rotations (≤ ${cachedAtMost.toLocaleString('en-US')} tokens cached)`,
				mb(rssManyTokens),
				`${mb(rssBeforeTokens)} before, ${mb(rssFewTokens)} after ${FEW_TOKENS.toLocaleString('en-US')} tokens`,
				`+${mb(rssManyTokens - rssBeforeTokens)}`,
				'report',
				'—'
			],
			[
				`password grant, ${LOGIN_CONNECTIONS} connections`,
				rate(loginRate, 'logins/s'),
				`${rate(verifyRate, 'verifies/s')} (raw \`Bun.password.verify\`, ${verifyConcurrency} at once)`,
				ratio(loginRate, verifyRate),
				'≥ 0.9×',
				verdict(loginRate / verifyRate >= 0.9, [loginRuns])
			],
			[
				`refresh grant, ${mainAlg}, ${CONNECTIONS} connections`,
				rate(refreshRate),
				`${rate(signRate, 'signs/s')} (raw ${mainAlg} \`SignJWT\`, ${CONNECTIONS} at once)`,
				ratio(refreshRate, signRate),
				'≥ 0.8×',
				verdict(refreshRate / signRate >= 0.8, [refresh.runs.get('sqlite')!])
			],
			[
				`refresh grant, ${SECOND_ALG} (second server), ${CONNECTIONS} connections`,
				rate(secondRate),
				`${rate(infoRate)} (\`GET /users/me\`, one token); raw ${SECOND_ALG}: ${rate(secondSignRate, 'signs/s')}`,
				ratio(secondRate, infoRate),
				'≥ 0.3×',
				verdict(secondRate / infoRate >= 0.3, [secondRefresh.runs.get('second')!])
			]
		]
		// PostgreSQL: each figure against the same scenario on SQLite in this run.
		const pgModes = [
			{ label: 'PostgreSQL strict', target: 0.5 },
			{ label: 'PostgreSQL cached', target: 0.9 }
		]
		for (const { label, target } of pgModes) {
			const why =
				'skipped' in postgres
					? postgres.skipped
					: pgStores.some((s) => s.label === label)
						? null
						: 'this build has no REVOCATION_MODE'
			for (const scenario of ['`GET /users/me`, one token', `refresh grant, ${mainAlg}`]) {
				const name = `${scenario}, ${label}`
				if (why !== null) {
					rows.push([name, 'not run', why, '—', `≥ ${target}×`, 'skipped'])
					continue
				}
				const runs = scenario.startsWith('refresh')
					? refresh.runs.get(label)!
					: oneTokenRuns.get(label)!
				const figure = rateOf(runs)
				const base = scenario.startsWith('refresh') ? refreshRate : infoRate
				rows.push([
					name,
					rate(figure),
					`${rate(base)} (SQLite)`,
					ratio(figure, base),
					`≥ ${target}×`,
					verdict(figure / base >= target, [runs])
				])
			}
		}
		rows.push(
			[
				`\`GET /users/me\` p99 under a login flood (${LOGIN_CONNECTIONS} connections)`,
				ms(floodP99),
				`${ms(idleP99)} (idle p99)`,
				ratio(floodP99, idleP99),
				'≤ 3×',
				verdict(floodP99 / idleP99 <= 3, [idleRuns, floodRuns])
			],
			[
				`peak RSS, ${BURST_LOGINS} logins at once`,
				mb(peak),
				`answers: ${statusCounts(answered.flat())}`,
				'—',
				'≤ 256 MB, every request answered 200/429/503',
				verdict(peak / 2 ** 20 <= 256 && unanswered.length === 0)
			],
			[
				'cold start: spawn to first 200 from `/health`',
				ms(coldStart),
				'—',
				'—',
				'≤ 300 ms',
				verdict(coldStart <= 300)
			]
		)

		const runsOf = (name: string, values: number[], format: (n: number) => string) =>
			`- ${name}: ${values.map(format).join(', ')}`
		const rates = (runs: WrkResult[] | undefined, unit?: string) =>
			(runs ?? []).map(okPerSecond).map((n) => rate(n, unit))
		const line = (name: string, values: string[]) => `- ${name}: ${values.join(', ')}`
		console.log(
			[
				'| scenario | figure | reference | ratio | target | result |',
				'|---|---|---|---|---|---|',
				...rows.map((row) => `| ${row.join(' | ')} |`),
				'',
				`Median of ${RUNS} runs of ${SECONDS} s each. Store: a SQLite file${'skipped' in postgres ? '' : ', and a PostgreSQL database on the same machine (its server unpinned)'}. JWT_ALG=${mainAlg}${env.JWT_SECRET ? ' (JWT_SECRET set)' : ''}.`,
				await machineLine(),
				'',
				'In process (`bench/in-process.ts`, pinned to core 0, SQLite file, LOG_LEVEL=error):',
				'',
				'| stage | µs per call |',
				'|---|---|',
				...stages.map(({ stage, microseconds }) => `| ${stage} | ${microseconds.toFixed(2)} |`),
				'',
				'Every run:',
				line('bare Elysia', rates(oneTokenRuns.get('elysia'))),
				line(`one token, LOG_LEVEL=${env.LOG_LEVEL}`, rates(oneTokenRuns.get('info'))),
				line('one token, LOG_LEVEL=error', rates(oneTokenRuns.get('error'))),
				...pgStores.map((s) => line(`one token, ${s.label}`, rates(oneTokenRuns.get(s.label)))),
				runsOf('RSS under load', loadRss, mb),
				line(`${FEW_TOKENS} tokens`, rates(few.runs)),
				line(`${MANY_TOKENS} tokens`, rates(many.runs)),
				runsOf('raw verify', verifyRates, (n) => rate(n, '/s')),
				line('password grant', rates(loginRuns, '/s')),
				runsOf(`raw ${mainAlg} signing`, refresh.signRates, (n) => rate(n, '/s')),
				line(`refresh ${mainAlg}`, rates(refresh.runs.get('sqlite'))),
				...pgStores.map((s) =>
					line(`refresh ${mainAlg}, ${s.label}`, rates(refresh.runs.get(s.label)))
				),
				runsOf(`raw ${SECOND_ALG} signing`, secondRefresh.signRates, (n) => rate(n, '/s')),
				line(`refresh ${SECOND_ALG}`, rates(secondRefresh.runs.get('second'))),
				runsOf(
					'idle p99',
					idleRuns.map((r) => r.p99Us / 1000),
					ms
				),
				runsOf(
					'flood p99',
					floodRuns.map((r) => r.p99Us / 1000),
					ms
				),
				line('flood logins', rates(floodLogins, '/s')),
				runsOf('peak RSS', peaks, mb),
				runsOf('cold start', coldStarts, ms),
				'',
				`Seeding minted ${MANY_TOKENS.toLocaleString('en-US')} access tokens in ${mintSeconds.toFixed(1)} s. Whole run: ${elapsedSeconds().toFixed(0)} s.`
			].join('\n')
		)
		finished = true
	} finally {
		killAll()
		if ('drop' in postgres)
			await postgres.drop().catch((error) => progress(`PostgreSQL: drop failed: ${error}`))
		if (finished) rmSync(dir, { recursive: true, force: true })
		else console.error(`bench failed; the servers' logs are in ${dir}`)
	}
}
