/**
 * `bun bench/in-process.ts`: where the microseconds of a protected request go, measured in process
 * (`app.handle`, no HTTP) on a database file: each stage of the bearer path alone, then whole
 * requests. Part of `bun run bench`; prints a table of µs per call.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/server/app'
import { loadConfig } from '../src/server/config'
import { parseBearer } from '../src/oauth/credentials'
import { tesseraOptions } from '../src/server/options'
import { createTessera } from '../src/tessera'

const ITERATIONS = Number(process.env.ITERATIONS ?? 50_000)

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
		const config = loadConfig({ DATABASE_PATH: join(dir, 'bench.sqlite'), LOG_LEVEL: 'error', ISSUER: 'http://localhost' })
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
			{ stage: 'parse the Authorization header', microseconds: await time(iterations, () => parseBearer(authorization)) },
			{ stage: 'verify a cached token', microseconds: await time(iterations, () => tessera.verifier.verify(token)) },
			{ stage: 'find the session and its user', microseconds: await time(iterations, () => tessera.sessions.find(session.id)) },
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

if (import.meta.main) {
	const stages = await inProcessBreakdown()
	console.log('| stage | µs per call |\n|---|---|')
	for (const { stage, microseconds } of stages) console.log(`| ${stage} | ${microseconds.toFixed(2)} |`)
}
