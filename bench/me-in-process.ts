/**
 * The per-request cost of the app itself on the protected hot path, without sockets: `GET /users/me`
 * through `app.handle`, one token, a database file, the request log formatted but dropped. For
 * checking that a change to the request pipeline (hooks, metrics) costs nothing measurable:
 *
 *     bun bench/me-in-process.ts                          # this tree
 *     bun bench/me-in-process.ts --against /tmp/before    # and another checkout, rounds alternating
 *
 * Options: --iterations (per round, default 20000), --rounds (default 7). Each round reports wall
 * time and the process's CPU time per request; on a shared machine the CPU time and the minimum
 * are the figures least disturbed by other jobs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
	options: {
		against: { type: 'string' },
		iterations: { type: 'string', default: '20000' },
		rounds: { type: 'string', default: '7' }
	}
})
const iterations = Number(values.iterations)
const rounds = Number(values.rounds)
const issuer = 'http://localhost'
const dir = mkdtempSync(join(tmpdir(), 'tessera-me-bench-'))

/** One tree's app, set up through that tree's own modules: GET /users/me with a valid token. */
async function setUp(root: string, name: string) {
	const { createApp } = await import(join(root, 'src/server/app.ts'))
	const { loadConfig } = await import(join(root, 'src/server/config.ts'))
	const { tesseraOptions } = await import(join(root, 'src/server/options.ts'))
	const { createLogger } = await import(join(root, 'src/http/logger.ts'))
	const { createTessera } = await import(join(root, 'src/tessera.ts'))
	const config = loadConfig({
		DATABASE_PATH: join(dir, `${name.replaceAll('/', '_')}.sqlite`),
		ISSUER: issuer
	})
	const tessera = await createTessera({ ...tesseraOptions(config), logger: createLogger('info', () => {}) })
	const user = await tessera.users.create({
		username: 'bench',
		password: 'bench-password',
		scopes: ['profile']
	})
	const { session } = await tessera.sessions.startUserSession(user.id, 'default', 'profile', false)
	const token = await tessera.keys.sign({
		sub: String(user.id),
		client_id: 'default',
		scope: 'profile',
		sid: session.id,
		jti: 'bench',
		exp: Math.floor(Date.now() / 1000) + 900
	})
	const app = createApp(tessera, config)
	const headers = { authorization: `Bearer ${token}` }
	return {
		name,
		tessera,
		async round(count: number) {
			const wall = Bun.nanoseconds()
			const cpu = process.cpuUsage()
			for (let i = 0; i < count; i++) {
				const response: Response = await app.handle(new Request(`${issuer}/users/me`, { headers }))
				if (response.status !== 200) throw new Error(`GET /users/me answered ${response.status}`)
				await response.arrayBuffer()
			}
			const used = process.cpuUsage(cpu)
			return {
				wall: (Bun.nanoseconds() - wall) / count / 1000,
				cpu: (used.user + used.system) / count
			}
		}
	}
}

const trees = [await setUp(resolve(import.meta.dir, '..'), 'this tree')]
if (values.against) trees.push(await setUp(resolve(values.against), values.against))
for (const tree of trees) await tree.round(iterations / 4) // warm-up: JIT, the verified-token cache

const results = new Map(trees.map((tree) => [tree.name, { wall: [] as number[], cpu: [] as number[] }]))
for (let r = 0; r < rounds; r++)
	for (const tree of r % 2 === 0 ? trees : trees.toReversed()) {
		const { wall, cpu } = await tree.round(iterations)
		results.get(tree.name)!.wall.push(wall)
		results.get(tree.name)!.cpu.push(cpu)
	}

const summary = (figures: number[]) => {
	const sorted = figures.toSorted((a, b) => a - b)
	return `min ${sorted[0]!.toFixed(1)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs/req`
}
console.log(`GET /users/me through app.handle, ${rounds} rounds of ${iterations}, alternating:`)
for (const [name, { wall, cpu }] of results)
	console.log(`  ${name.padEnd(24)} wall ${summary(wall)}; CPU ${summary(cpu)}`)
if (trees.length === 2) {
	// Rounds of the two trees ran back to back, so their difference cancels most of the drift of a
	// shared machine that the figures above suffer.
	const [mine, other] = [...results.values()]
	const differences = mine!.cpu.map((cpu, r) => cpu - other!.cpu[r]!).toSorted((a, b) => a - b)
	const at = (q: number) => differences[Math.floor(q * (differences.length - 1))]!.toFixed(1)
	console.log(
		`  paired CPU difference (this tree − ${trees[1]!.name}): median ${at(0.5)} µs/req, quartiles ${at(0.25)} to ${at(0.75)}`
	)
}
for (const tree of trees) await tree.tessera.store.close()
rmSync(dir, { recursive: true, force: true })
