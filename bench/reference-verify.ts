/**
 * The Argon2 reference of `bun run bench`: raw `Bun.password.verify` throughput at Tessera's
 * configured parameters and concurrency, read from the same environment the server gets. Run it
 * pinned to the server's core. Prints one JSON line: `{"concurrency": n, "perSecond": [...]}`.
 */
import { loadConfig } from '../src/server/config'

const config = loadConfig(process.env)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const options = {
	algorithm: 'argon2id' as const,
	memoryCost: config.passwordMemoryKib,
	timeCost: config.passwordTimeCost
}
const password = 'bench-reference-password'
const hash = await Bun.password.hash(password, options)

async function verifiesPerSecond(durationMs: number): Promise<number> {
	let done = 0
	const started = performance.now()
	const deadline = started + durationMs
	const worker = async () => {
		while (performance.now() < deadline) {
			if (!(await Bun.password.verify(password, hash))) throw new Error('reference verify failed')
			done++
		}
	}
	await Promise.all(Array.from({ length: config.passwordConcurrency }, worker))
	return done / ((performance.now() - started) / 1000)
}

await verifiesPerSecond(500) // warm-up
const perSecond: number[] = []
for (let run = 0; run < runs; run++) perSecond.push(await verifiesPerSecond(seconds * 1000))
console.log(JSON.stringify({ concurrency: config.passwordConcurrency, perSecond }))
