/**
 * `bun bench/in-process.ts`: where the microseconds of a protected request go, measured in process
 * (`app.handle`, no HTTP) on a database file: each stage of the bearer path alone, then whole
 * requests; and the memory a live token costs in the verified-token and principal caches.
 * Part of `bun run bench` (`--json` prints both as one line for it); alone, prints two tables.
 *
 * ITERATIONS (default 50 000) calls per timed run; MEMORY_TOKENS (default 4 096) tokens warmed.
 */
import { fullGC, heapSize } from 'bun:jsc'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PRINCIPAL_CACHE_SIZE } from '../src/auth/principal'
import { createApp } from '../src/server/app'
import { loadConfig } from '../src/server/config'
import { parseBearer } from '../src/oauth/credentials'
import { DEFAULT_CLIENT_ID } from '../src/oauth/clients'
import { issueTokens } from '../src/oauth/token/response'
import { tesseraOptions } from '../src/server/options'
import { createTessera } from '../src/tessera'
import { AccessTokenVerifier, VERIFIED_CACHE_SIZE } from '../src/tokens/access-token'
import { BENCH_SCOPE, inParallel } from './seed'

const ITERATIONS = Number(process.env.ITERATIONS ?? 50_000)
const MEMORY_TOKENS = Number(process.env.MEMORY_TOKENS ?? 4096)

export interface Stage {
	stage: string
	microseconds: number
}

/** Median of five runs of `iterations` calls, in µs per call. */
async function time(iterations: number, call: () => unknown): Promise<number> {
	const runs: number[] = []
	for (let run = 0; run < 5; run++) {
		const started = performance.now()
		for (let i = 0; i < iterations; i++) {
			const result = call()
			if (result instanceof Promise) await result
		}
		runs.push(((performance.now() - started) * 1000) / iterations)
	}
	return runs.sort((a, b) => a - b)[2]!
}

export async function inProcessBreakdown(iterations = ITERATIONS): Promise<Stage[]> {
	const dir = mkdtempSync(join(tmpdir(), 'tessera-in-process-'))
	try {
		const config = loadConfig({
			DATABASE_PATH: join(dir, 'bench.sqlite'),
			LOG_LEVEL: 'error',
			ISSUER: 'http://localhost'
		})
		const tessera = await createTessera(tesseraOptions(config))
		const app = createApp(tessera, config)
		const account = await tessera.users.create({
			username: 'bench',
			password: 'bench-password',
			scopes: ['profile']
		})
		const { session } = await tessera.sessions.startUserSession(account.id, 'default', 'profile', true)
		const token = await tessera.keys.sign({
			sub: String(account.id),
			client_id: 'default',
			scope: 'profile',
			sid: session.id,
			jti: crypto.randomUUID(),
			exp: tessera.clock() + 3600
		})
		const authorization = `Bearer ${token}`
		const me = () => app.handle(new Request('http://localhost/users/me', { headers: { authorization } }))
		if ((await me()).status !== 200) throw new Error('the protected route did not answer 200')
		const stages: Stage[] = [
			{
				stage: 'parse the Authorization header',
				microseconds: await time(iterations, () => parseBearer(authorization))
			},
			{
				stage: 'verify a cached token',
				microseconds: await time(iterations, () => tessera.verifier.verify(token))
			},
			{
				stage: 'find the session and its user',
				microseconds: await time(iterations, () => tessera.sessions.find(session.id))
			},
			{
				stage: 'authenticate (all of the above)',
				microseconds: await time(iterations, () => tessera.authenticator.authenticate(authorization))
			},
			{
				stage: 'GET /health (no auth)',
				microseconds: await time(iterations, () => app.handle(new Request('http://localhost/health')))
			},
			{ stage: 'GET /users/me (bearer, profile)', microseconds: await time(iterations, me) }
		]
		await tessera.store.close()
		return stages
	} finally {
		rmSync(dir, { recursive: true, force: true })
	}
}

export interface CacheMemory {
	tokens: number
	/** Heap bytes per token once both caches hold it (the header string they share included). */
	perToken: number
	/** Of which the verified-token cache alone (its claims, and the token string it is keyed by). */
	verifiedPerToken: number
	/** Both caches full (they hold VERIFIED_CACHE_SIZE and PRINCIPAL_CACHE_SIZE entries). */
	boundBytes: number
}

/** A copy no other string shares: a request's header arrives as a string of its own. */
const fresh = (s: string) => Buffer.from(s, 'latin1').toString('latin1')

/** Live heap after a full collection, strings' contents included. */
function liveHeap(): number {
	fullGC()
	fullGC()
	return heapSize()
}

/**
 * Bytes per cached token, from the live heap before and after `count` distinct tokens (one
 * session each, as after that many logins) are authenticated once, as the server's first request
 * with each does. The verified-token share is measured apart, on a verifier of its own.
 */
export async function cacheMemory(count = MEMORY_TOKENS): Promise<CacheMemory> {
	const dir = mkdtempSync(join(tmpdir(), 'tessera-memory-'))
	try {
		const config = loadConfig({ DATABASE_PATH: join(dir, 'bench.sqlite'), LOG_LEVEL: 'error' })
		const tessera = await createTessera(tesseraOptions(config))
		const account = await tessera.users.create({
			username: 'bench',
			password: 'bench-password',
			scopes: ['profile', 'posts:read', 'posts:write']
		})
		const tokens = await inParallel(count, async () => {
			const { session } = await tessera.sessions.startUserSession(
				account.id,
				DEFAULT_CLIENT_ID,
				BENCH_SCOPE,
				false
			)
			return (await issueTokens(tessera, session, BENCH_SCOPE, null)).access_token
		})

		const verifier = new AccessTokenVerifier(tessera.keys, tessera.settings, tessera.clock)
		const beforeVerified = liveHeap()
		for (const token of tokens) await verifier.verify(fresh(token))
		const verifiedPerToken = (liveHeap() - beforeVerified) / count

		const before = liveHeap()
		for (const token of tokens) await tessera.authenticator.authenticate(fresh(`Bearer ${token}`))
		const perToken = (liveHeap() - before) / count
		// Both stay reachable until measured.
		if (verifier.cached(tokens[0]!) === undefined) throw new Error('the verifier cached nothing')
		await tessera.store.close()
		return {
			tokens: count,
			perToken,
			verifiedPerToken,
			boundBytes:
				verifiedPerToken * VERIFIED_CACHE_SIZE + (perToken - verifiedPerToken) * PRINCIPAL_CACHE_SIZE
		}
	} finally {
		rmSync(dir, { recursive: true, force: true })
	}
}

if (import.meta.main) {
	const stages = await inProcessBreakdown()
	const memory = await cacheMemory()
	if (process.argv.includes('--json')) console.log(JSON.stringify({ stages, memory }))
	else {
		console.log('| stage | µs per call |\n|---|---|')
		for (const { stage, microseconds } of stages) console.log(`| ${stage} | ${microseconds.toFixed(2)} |`)
		const kib = (n: number) => `${(n / 1024).toFixed(2)} KiB`
		console.log(
			`\nMemory per cached token (${memory.tokens} tokens): ${kib(memory.perToken)} ` +
				`(verified-token cache ${kib(memory.verifiedPerToken)}, principal cache ${kib(memory.perToken - memory.verifiedPerToken)}); ` +
				`both caches full: ${(memory.boundBytes / 2 ** 20).toFixed(0)} MB`
		)
	}
}
