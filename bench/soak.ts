/**
 * `bun run bench soak`: SOAK_MINUTES (default 10) of mixed load on each store (SQLite, and
 * PostgreSQL in strict and cached mode where the build has it and a server answers), one fresh
 * server each, pinned like the bench. Two wrk processes at once from the load core, restarted every minute so each minute
 * has its own latency figures:
 *
 * - protected reads: `GET /users/me` over 1 000 tokens in rotation, 32 connections;
 * - clients' lives (bench/lua/lifecycle.lua): 1 login and 1 logout in 50 requests, the rest
 *   refreshes, 4 connections pausing 10 ms between requests (at most 400 requests per second).
 *
 * Server RSS is sampled every SOAK_SAMPLE_SECONDS (default 5). Reported per store: the RSS of the
 * last minute against the second (the first holds start-up and warm-up; target ≤ 1.1×: no
 * growth once warm), every error (non-2xx, socket errors, timeouts; target 0), and p99 per minute.
 * With SOAK_MINUTES=1 (a quick check) the halves of that minute stand in for the two minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
	errorsOf,
	load,
	LOAD_CORE,
	machineLine,
	mb,
	median,
	ms,
	progress,
	rate,
	sampleRss,
	SERVER_CORE,
	startServer
} from './harness'
import { killAll, pinSelf, stop } from './processes'
import { mintAccessTokens, seedUsers, startSessions } from './seed'
import { postgresDatabase, settle, sqliteStore, type BenchStore } from './stores'
import { ensureWrk, okPerSecond, type WrkResult } from './wrk'

const READ_TOKENS = 1000
const READ_CONNECTIONS = 32
const LIFECYCLE_CONNECTIONS = 4
const USERS = 20

interface Minute {
	reads: WrkResult
	lifecycle: WrkResult
	/** Median RSS of the samples taken in this minute. */
	rss: number
}

interface StoreSoak {
	store: BenchStore
	minutes: Minute[]
	/** RSS of the last minute and of the second (or the last and first halves of a single minute). */
	late: number
	early: number
	comparison: string
	errors: number
}

export async function soak() {
	const minutes = Number(process.env.SOAK_MINUTES ?? 10)
	const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5)
	if (!Number.isInteger(minutes) || minutes < 1) {
		console.error('bench soak: SOAK_MINUTES must be a whole number of at least 1')
		process.exit(2)
	}
	try {
		ensureWrk()
	} catch (error) {
		console.error(`bench soak: ${(error as Error).message}`)
		process.exit(1)
	}
	const dir = mkdtempSync(join(tmpdir(), 'tessera-soak-'))
	const base: Record<string, string | undefined> = {
		...process.env,
		ISSUER: process.env.ISSUER ?? 'http://localhost:3000',
		LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
		// The read tokens are minted once, before the soak: they must outlive it (the longest allowed).
		ACCESS_TOKEN_TTL: '86400'
	}
	const postgres = await postgresDatabase(base)
	const stores: BenchStore[] = [sqliteStore(dir), ...('stores' in postgres ? postgres.stores : [])]
	if ('skipped' in postgres) progress(`PostgreSQL: skipped (${postgres.skipped})`)
	const results: StoreSoak[] = []
	let finished = false
	try {
		// Seeding first, on every core; then this process joins wrk on the load core.
		const seededStores = []
		// PostgreSQL's modes share one database: seeded once, by the first of them.
		const seededFiles = new Map<string, { tokens: string; users: string }>()
		for (const store of stores) {
			const env = { ...base, ...store.env }
			const database = env.DATABASE_URL ?? env.DATABASE_PATH!
			const seen = seededFiles.get(database)
			if (seen) {
				seededStores.push({ store, env, tag: store.label.replace(/\W+/g, '-'), files: seen })
				continue
			}
			progress(`${store.label}: seeding`)
			const seeded = await seedUsers(env, USERS)
			const tokens = await mintAccessTokens(
				seeded,
				READ_TOKENS,
				await startSessions(seeded, READ_TOKENS)
			)
			settle(seeded.tessera)
			await seeded.tessera.store.close()
			const tag = store.label.replace(/\W+/g, '-')
			const files = { tokens: join(dir, `${tag}-tokens.txt`), users: join(dir, `${tag}-users.txt`) }
			await Bun.write(files.tokens, tokens.join('\n'))
			await Bun.write(files.users, seeded.users.map((u) => `${u.username} ${u.password}`).join('\n'))
			seededFiles.set(database, files)
			seededStores.push({ store, env, tag, files })
		}
		pinSelf(LOAD_CORE)

		for (const { store, env, tag, files } of seededStores) {
			const server = await startServer(`soak-${tag}`, env, dir)
			const sampler = sampleRss(server.proc.pid, sampleSeconds * 1000)
			const started = performance.now()
			const perMinute: Minute[] = []
			let offset = 0
			for (let minute = 0; minute < minutes; minute++) {
				progress(`${store.label}: minute ${minute + 1} of ${minutes}`)
				const [reads, lifecycle] = await Promise.all([
					load(
						dir,
						{
							url: `${server.base}/users/me`,
							connections: READ_CONNECTIONS,
							script: 'bearer-rotation',
							args: [files.tokens, String(offset % READ_TOKENS)]
						},
						60
					),
					load(
						dir,
						{
							url: `${server.base}/oauth/token`,
							connections: LIFECYCLE_CONNECTIONS,
							script: 'lifecycle',
							args: [files.users]
						},
						60
					)
				])
				offset += reads.requests
				const from = started + minute * 60_000
				const inMinute = sampler.samples.filter((s) => s.at >= from && s.at < from + 60_000)
				perMinute.push({ reads, lifecycle, rss: median(inMinute.map((s) => s.bytes)) })
			}
			const samples = await sampler.stop()
			await stop(server)
			const window = (from: number, to: number) =>
				median(
					samples.filter((s) => s.at >= started + from && s.at < started + to).map((s) => s.bytes)
				)
			const [early, late, comparison] =
				minutes >= 2
					? [perMinute[1]!.rss, perMinute[minutes - 1]!.rss, 'last minute vs second']
					: [
							window(0, 30_000),
							window(30_000, 60_000),
							'second half vs first half (one minute only, warm-up included)'
						]
			results.push({
				store,
				minutes: perMinute,
				early,
				late,
				comparison,
				errors: perMinute.reduce((sum, m) => sum + errorsOf(m.reads) + errorsOf(m.lifecycle), 0)
			})
		}

		const lines: string[] = [
			`Soak: ${minutes} min per store of mixed load; server ${SERVER_CORE.length ? 'on core 0, wrk on core 1' : 'unpinned'}; RSS sampled every ${sampleSeconds} s.`,
			'',
			'| store | RSS | RSS ratio | target | errors | target | result |',
			'|---|---|---|---|---|---|---|'
		]
		for (const r of results) {
			const growth = r.late / r.early
			const ok = growth <= 1.1 && r.errors === 0
			lines.push(
				`| ${r.store.label} | ${mb(r.late)} (${r.comparison}: ${mb(r.early)}) | ${growth.toFixed(2)}× | ≤ 1.1× | ${r.errors} | 0 | ${ok ? 'pass' : '**fail**'} |`
			)
		}
		for (const r of results) {
			lines.push(
				'',
				`${r.store.label}, per minute (reads: \`GET /users/me\`, ${READ_TOKENS} tokens, ${READ_CONNECTIONS} connections; ` +
					`token endpoint and logout: logins, refreshes, logouts, ${LIFECYCLE_CONNECTIONS} connections):`,
				'',
				'| minute | reads | reads p99 | logins, refreshes, logouts | their p99 | errors | RSS (median) |',
				'|---|---|---|---|---|---|---|',
				...r.minutes.map(
					(m, i) =>
						`| ${i + 1} | ${rate(okPerSecond(m.reads))} | ${ms(m.reads.p99Us / 1000)} | ${rate(okPerSecond(m.lifecycle))} | ` +
						`${ms(m.lifecycle.p99Us / 1000)} | ${errorsOf(m.reads) + errorsOf(m.lifecycle)} | ${mb(m.rss)} |`
				)
			)
		}
		if ('skipped' in postgres) lines.push('', `PostgreSQL: not run (${postgres.skipped}).`)
		lines.push('', await machineLine())
		console.log(lines.join('\n'))
		finished = true
	} finally {
		killAll()
		if ('drop' in postgres)
			await postgres.drop().catch((error) => progress(`PostgreSQL: drop failed: ${error}`))
		if (finished) rmSync(dir, { recursive: true, force: true })
		else console.error(`soak failed; the servers' logs are in ${dir}`)
	}
}
