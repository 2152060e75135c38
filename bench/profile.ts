/**
 * `bun bench/profile.ts <scenario> [seconds]`: one scenario of `bun run bench` against the server
 * started with Bun's CPU profiler (`--cpu-prof-md`), pinned like the bench. Writes the profile, a
 * markdown summary of the hottest functions, to ./profiles/<scenario>.md and prints its path.
 * Scenarios: me (one token), rotation (10 000 tokens), refresh, login.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, killAll, pinner, pinSelf, spawn, stop, waitFor200 } from './processes'
import { mintAccessTokens, mintRefreshTokens, seedUsers, startSessions } from './seed'
import { ensureWrk, okPerSecond, wrk } from './wrk'

const SCENARIOS = ['me', 'rotation', 'refresh', 'login'] as const
type Scenario = (typeof SCENARIOS)[number]

const scenario = process.argv[2] as Scenario
if (!SCENARIOS.includes(scenario)) {
	console.error(`usage: bun bench/profile.ts <${SCENARIOS.join('|')}> [seconds]`)
	process.exit(2)
}
const seconds = Number(process.argv[3] ?? 5)
const pin = pinner()
ensureWrk()
const dir = mkdtempSync(join(tmpdir(), 'tessera-profile-'))
const out = resolve('profiles')
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const env = {
	...process.env,
	DATABASE_PATH: join(dir, 'tessera.sqlite'),
	PORT: String(port),
	LOG_LEVEL: process.env.LOG_LEVEL ?? 'info'
}

try {
	const seeded = await seedUsers(env, 20)
	const count = scenario === 'rotation' ? 10_000 : 1
	const tokens = await mintAccessTokens(seeded, count, await startSessions(seeded, count))
	const files = {
		tokens: join(dir, 'tokens.txt'),
		users: join(dir, 'users.txt'),
		refresh: join(dir, 'refresh.txt')
	}
	await Bun.write(files.tokens, tokens.join('\n'))
	await Bun.write(files.users, seeded.users.map((u) => `${u.username} ${u.password}`).join('\n'))
	if (scenario === 'refresh') await Bun.write(files.refresh, (await mintRefreshTokens(seeded, 20_000)).join('\n'))
	await seeded.tessera.store.close()
	pinSelf(pin(1))

	const server = spawn(
		[
			...pin(0),
			process.execPath,
			'--cpu-prof-md',
			`--cpu-prof-dir=${out}`,
			`--cpu-prof-name=${scenario}.md`,
			'src/server/main.ts'
		],
		env,
		join(dir, 'server.log')
	)
	await waitFor200(`${base}/health`, server)
	const run = {
		me: { url: `${base}/users/me`, connections: 64, headers: { authorization: `Bearer ${tokens[0]}` } },
		rotation: {
			url: `${base}/users/me`,
			connections: 64,
			script: 'bearer-rotation',
			args: [files.tokens]
		},
		refresh: { url: `${base}/oauth/token`, connections: 64, script: 'refresh', args: [files.refresh] },
		login: { url: `${base}/oauth/token`, connections: 16, script: 'login', args: [files.users] }
	}[scenario]
	const result = await wrk({ ...run, seconds, pin: pin(1), workDir: dir })
	await stop(server)
	console.log(
		`${scenario}: ${Math.round(okPerSecond(result))} req/s, p99 ${result.p99Us / 1000} ms, ${result.statusErrors} non-2xx`
	)
	console.log(join(out, `${scenario}.md`))
} finally {
	killAll()
	rmSync(dir, { recursive: true, force: true })
}
