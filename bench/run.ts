import { sqliteOf } from '../tests/helpers/app'
/**
 * `bun run bench`: the real server (`bun src/server/main.ts`, what `bun run start` runs) on a temporary
 * database seeded through the library, pinned to core 0; wrk drives it from core 1. Figures are
 * read against references measured in the same run on the same core (a bare Elysia app, raw
 * `Bun.password.verify`), because on a shared machine absolute numbers drift and ratios hold.
 * Prints a markdown table: the median of 3 runs per scenario.
 *
 * BENCH_SECONDS (default 5) sets the length of one wrk run; every other setting (JWT_ALG,
 * PASSWORD_MEMORY_KIB, …) is passed to the server and the references as `bun run start` reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { burst, formRequest } from './burst'
import {
	freePort,
	killAll,
	memoryBytes,
	pinner,
	pinSelf,
	spawn,
	stop,
	waitFor200,
	type Spawned
} from './processes'
import { mintAccessTokens, mintRefreshTokens, seedUsers } from './seed'
import { clean, ensureWrk, okPerSecond, wrk, type WrkResult, type WrkRun } from './wrk'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const RUNS = 3
const CONNECTIONS = 64
const ROTATING_TOKENS = 10_000
/** Logins spread over many users, all with the right password, so login throttling never engages. */
const USERS = 100
/** Enough to keep every Argon2 slot busy, fewer than its waiting queue holds (no 503 spinning). */
const LOGIN_CONNECTIONS = 16
const BURST_LOGINS = 500
const HOST = '127.0.0.1'

const startedAt = performance.now()
const progress = (message: string) =>
	console.error(
		`[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)} s ${new Date().toISOString()}] ${message}`
	)

const pin = pinner()
const SERVER_CORE = pin(0)
const LOAD_CORE = pin(1)
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
const port = await freePort()
const base = `http://${HOST}:${port}`
const env: Record<string, string | undefined> = {
	...process.env,
	DATABASE_PATH: join(dir, 'tessera.sqlite'),
	PORT: String(port),
	HOST,
	LOG_LEVEL: process.env.LOG_LEVEL ?? 'info'
}
const bun = process.execPath

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b)
	const middle = sorted.length >> 1
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One wrk run from the load core. */
const load = (run: Omit<WrkRun, 'pin' | 'workDir' | 'seconds'>, seconds = SECONDS) =>
	wrk({ ...run, seconds, pin: LOAD_CORE, workDir: dir })

/** A short untimed warm-up (JIT, caches, connections), then RUNS timed runs. */
async function repeat(run: Omit<WrkRun, 'pin' | 'workDir' | 'seconds'>) {
	await load(run, 1)
	const results: WrkResult[] = []
	for (let i = 0; i < RUNS; i++) results.push(await load(run))
	return results
}

const problems = (results: WrkResult[]) =>
	results
		.filter((r) => !clean(r))
		.map(
			(r) =>
				`${r.statusErrors} non-2xx, ${r.connectErrors + r.readErrors + r.writeErrors} socket errors, ${r.timeouts} timeouts`
		)

async function startServer(log: string): Promise<Spawned & { coldStartMs: number }> {
	const server = spawn([...SERVER_CORE, bun, 'src/server/main.ts'], env, join(dir, log))
	const ready = await waitFor200(`${base}/health`, server)
	return { ...server, coldStartMs: ready - server.spawnedAt }
}

let finished = false
try {
	// Seeding: through the library, before the server starts, on every core.
	progress(`seeding ${USERS} users and ${ROTATING_TOKENS} access tokens`)
	const seeded = await seedUsers(env, USERS)
	const accessTokens = await mintAccessTokens(seeded, ROTATING_TOKENS)
	const tokensFile = join(dir, 'access-tokens.txt')
	const usersFile = join(dir, 'users.txt')
	await Bun.write(tokensFile, accessTokens.join('\n'))
	await Bun.write(usersFile, seeded.users.map((u) => `${u.username} ${u.password}`).join('\n'))
	const mintRefreshFile = async (name: string, count: number) => {
		const path = join(dir, name)
		await Bun.write(path, (await mintRefreshTokens(seeded, count)).join('\n'))
		return path
	}
	sqliteOf(seeded.tessera).$client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
	pinSelf(LOAD_CORE)

	// The bare Elysia reference and the server side by side on core 0, only one of them under load
	// at a time; their runs alternate, so both see the same drift of a shared machine.
	const elysiaPort = await freePort()
	const elysia = spawn(
		[...SERVER_CORE, bun, 'bench/reference-elysia.ts'],
		{ ...process.env, PORT: String(elysiaPort) },
		join(dir, 'elysia.log')
	)
	await waitFor200(`http://${HOST}:${elysiaPort}/`, elysia)
	progress('server: starting')
	const server = await startServer('server.log')
	const me = `${base}/users/me`
	const oneToken = { authorization: `Bearer ${accessTokens[0]}` }
	const elysiaRun = { url: `http://${HOST}:${elysiaPort}/`, connections: CONNECTIONS }
	const oneTokenRun = { url: me, connections: CONNECTIONS, headers: oneToken }

	progress('scenario: GET /users/me, one token (alternating with bare Elysia)')
	await load(elysiaRun, 1)
	await load(oneTokenRun, 1)
	const elysiaRuns: WrkResult[] = []
	const oneTokenRuns: WrkResult[] = []
	for (let i = 0; i < RUNS; i++) {
		elysiaRuns.push(await load(elysiaRun))
		oneTokenRuns.push(await load(oneTokenRun))
	}
	await stop(elysia)

	progress(`scenario: GET /users/me, ${ROTATING_TOKENS} tokens in rotation`)
	const rotationRuns = await repeat({
		url: me,
		connections: CONNECTIONS,
		script: 'bearer-rotation',
		args: [tokensFile]
	})

	progress('scenario: password grant (alternating with raw Bun.password.verify)')
	const loginRun = {
		url: `${base}/oauth/token`,
		connections: LOGIN_CONNECTIONS,
		script: 'login',
		args: [usersFile]
	}
	const rawVerify = async (): Promise<{ concurrency: number; perSecond: number[] }> => {
		const log = join(dir, 'verify.log')
		const verifier = spawn(
			[...SERVER_CORE, bun, 'bench/reference-verify.ts'],
			{ ...env, BENCH_SECONDS: String(SECONDS), BENCH_RUNS: '1' },
			log
		)
		if ((await verifier.proc.exited) !== 0)
			throw new Error(`reference-verify failed: ${await Bun.file(`${log}.err`).text()}`)
		return JSON.parse(await Bun.file(log).text())
	}
	await load(loginRun, 1)
	const verifyRates: number[] = []
	const loginRuns: WrkResult[] = []
	let verifyConcurrency = 0
	for (let i = 0; i < RUNS; i++) {
		const reference = await rawVerify()
		verifyConcurrency = reference.concurrency
		verifyRates.push(...reference.perSecond)
		loginRuns.push(await load(loginRun))
	}

	progress('scenario: refresh grant')
	// Every refresh consumes its token: a 1 s warm-up sizes the pools, one fresh pool per run.
	const refreshRun = (pool: string, seconds = SECONDS) =>
		load(
			{ url: `${base}/oauth/token`, connections: CONNECTIONS, script: 'refresh', args: [pool] },
			seconds
		)
	const refreshWarmUp = await refreshRun(await mintRefreshFile('refresh-warm-up.txt', 10_000), 1)
	const poolSize = Math.ceil(Math.max(refreshWarmUp.requests, 500) * SECONDS * 2)
	const pools: string[] = []
	for (let i = 0; i < RUNS; i++) pools.push(await mintRefreshFile(`refresh-${i}.txt`, poolSize))
	sqliteOf(seeded.tessera).$client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
	const refreshRuns: WrkResult[] = []
	for (const pool of pools) refreshRuns.push(await refreshRun(pool))

	progress('scenario: GET /users/me p99, idle and under a login flood')
	const idleRuns: WrkResult[] = []
	const floodRuns: WrkResult[] = []
	const floodLogins: WrkResult[] = []
	for (let i = 0; i < RUNS; i++) {
		idleRuns.push(await load(oneTokenRun))
		const flood = load(loginRun, SECONDS + 2)
		await Bun.sleep(1000) // Argon2 saturated before measuring
		floodRuns.push(await load(oneTokenRun))
		floodLogins.push(await flood)
	}
	await stop(server)
	sqliteOf(seeded.tessera).$client.close()

	progress(`scenario: cold start and ${BURST_LOGINS} logins at once (a fresh server each run)`)
	const coldStarts: number[] = []
	const peaks: number[] = []
	const answered: number[][] = []
	const loginBodies = seeded.users.map(
		(u) => `grant_type=password&username=${u.username}&password=${u.password}`
	)
	for (let i = 0; i < RUNS; i++) {
		const fresh = await startServer(`server-${i}.log`)
		coldStarts.push(fresh.coldStartMs)
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
	const elysiaRate = median(elysiaRuns.map(okPerSecond))
	const oneTokenRate = median(oneTokenRuns.map(okPerSecond))
	const rotationRate = median(rotationRuns.map(okPerSecond))
	const loginRate = median(loginRuns.map(okPerSecond))
	const verifyRate = median(verifyRates)
	const refreshRate = median(refreshRuns.map(okPerSecond))
	const idleP99 = median(idleRuns.map((r) => r.p99Us)) / 1000
	const floodP99 = median(floodRuns.map((r) => r.p99Us)) / 1000
	const peakMb = median(peaks) / 2 ** 20
	const coldStart = median(coldStarts)
	const unanswered = answered.flat().filter((s) => ![200, 429, 503].includes(s))
	const statusCounts = (statuses: number[]) => {
		const counts = new Map<number, number>()
		for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1)
		return [...counts]
			.sort(([a], [b]) => a - b)
			.map(([s, n]) => `${n}×${s || 'none'}`)
			.join(', ')
	}

	const rate = (n: number, unit = 'req/s') => `${Math.round(n).toLocaleString('en-US')} ${unit}`
	const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`
	const verdict = (ok: boolean, runs: WrkResult[][] = []) => {
		const failures = runs.flatMap(problems)
		return failures.length ? `**fail** (${failures.join('; ')})` : ok ? 'pass' : '**fail**'
	}
	const rows: string[][] = [
		[
			`\`GET /users/me\`, one token, ${CONNECTIONS} connections`,
			rate(oneTokenRate),
			`${rate(elysiaRate)} (bare Elysia)`,
			`${(oneTokenRate / elysiaRate).toFixed(2)}×`,
			'≥ 0.6×',
			verdict(oneTokenRate / elysiaRate >= 0.6, [oneTokenRuns, elysiaRuns])
		],
		[
			`\`GET /users/me\`, ${ROTATING_TOKENS.toLocaleString('en-US')} tokens in rotation`,
			rate(rotationRate),
			`${rate(elysiaRate)} (bare Elysia)`,
			`${(rotationRate / elysiaRate).toFixed(2)}×`,
			'report',
			problems(rotationRuns).length ? verdict(true, [rotationRuns]) : '—'
		],
		[
			`password grant, ${LOGIN_CONNECTIONS} connections`,
			rate(loginRate, 'logins/s'),
			`${rate(verifyRate, 'verifies/s')} (raw \`Bun.password.verify\`, ${verifyConcurrency} at once)`,
			`${(loginRate / verifyRate).toFixed(2)}×`,
			'≥ 0.9×',
			verdict(loginRate / verifyRate >= 0.9, [loginRuns])
		],
		[
			`refresh grant, ${CONNECTIONS} connections`,
			rate(refreshRate),
			`${rate(oneTokenRate)} (\`GET /users/me\`, one token)`,
			`${(refreshRate / oneTokenRate).toFixed(2)}×`,
			'≥ 0.3×',
			verdict(refreshRate / oneTokenRate >= 0.3, [refreshRuns])
		],
		[
			`\`GET /users/me\` p99 under a login flood (${LOGIN_CONNECTIONS} connections)`,
			ms(floodP99),
			`${ms(idleP99)} (idle p99)`,
			`${(floodP99 / idleP99).toFixed(2)}×`,
			'≤ 3×',
			verdict(floodP99 / idleP99 <= 3, [idleRuns, floodRuns])
		],
		[
			`peak RSS, ${BURST_LOGINS} logins at once`,
			`${peakMb.toFixed(0)} MB`,
			`answers: ${statusCounts(answered.flat())}`,
			'—',
			'≤ 256 MB, every request answered 200/429/503',
			verdict(peakMb <= 256 && unanswered.length === 0)
		],
		[
			'cold start: spawn to first 200 from `/health`',
			ms(coldStart),
			'—',
			'—',
			'≤ 300 ms',
			verdict(coldStart <= 300)
		]
	]
	const cpu = /^model name\s*:\s*(.+)$/m.exec(
		await Bun.file('/proc/cpuinfo')
			.text()
			.catch(() => '')
	)?.[1]
	const runsOf = (name: string, values: number[], format: (n: number) => string) =>
		`- ${name}: ${values.map(format).join(', ')}`
	console.log(
		[
			'| scenario | figure | reference | ratio | target | result |',
			'|---|---|---|---|---|---|',
			...rows.map((row) => `| ${row.join(' | ')} |`),
			'',
			`Median of ${RUNS} runs of ${SECONDS} s each; server ${SERVER_CORE.length ? 'pinned to core 0 (`taskset -c 0`), wrk on core 1' : 'unpinned'}.`,
			`Machine: ${Bun.spawnSync(['nproc', '--all']).stdout.toString().trim()} cores, ${cpu ?? 'unknown CPU'}, Bun ${Bun.version}, JWT_ALG=${env.JWT_ALG ?? 'RS256'}${env.JWT_SECRET ? ' (HS256: JWT_SECRET set)' : ''}.`,
			'',
			'Every run:',
			runsOf('bare Elysia', elysiaRuns.map(okPerSecond), (n) => rate(n)),
			runsOf('one token', oneTokenRuns.map(okPerSecond), (n) => rate(n)),
			runsOf('token rotation', rotationRuns.map(okPerSecond), (n) => rate(n)),
			runsOf('raw verify', verifyRates, (n) => rate(n, '/s')),
			runsOf('password grant', loginRuns.map(okPerSecond), (n) => rate(n, '/s')),
			runsOf('refresh grant', refreshRuns.map(okPerSecond), (n) => rate(n)),
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
			runsOf('flood logins', floodLogins.map(okPerSecond), (n) => rate(n, '/s')),
			runsOf(
				'peak RSS',
				peaks.map((b) => b / 2 ** 20),
				(n) => `${n.toFixed(0)} MB`
			),
			runsOf('cold start', coldStarts, ms),
			'',
			`Whole run: ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`
		].join('\n')
	)
	finished = true
} finally {
	killAll()
	if (finished) rmSync(dir, { recursive: true, force: true })
	else console.error(`bench failed; the servers' logs are in ${dir}`)
}
