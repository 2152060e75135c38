/**
 * WORKERS=2 as real processes: `bun src/server/demo.ts` supervising two workers on one port and
 * one SQLite file (docs/contract.md, "Running several instances"). Responses say nothing of who
 * served them: each request sends its own X-Request-Id, and the worker's request log line with
 * that id (every worker line carries `worker: <n>`) names the worker.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { form } from '../helpers/http'
import { spawnBun, spawnServer, type ServerProcess } from '../helpers/process'

// Each test starts or stops processes, on a machine where other suites run too.
setDefaultTimeout(120_000)

const ROUNDS = 20
const dir = mkdtempSync(join(tmpdir(), 'tessera-workers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let ids = 0
/** One request on a connection of its own (so the kernel picks the worker anew), with its id. */
async function send(base: string, path: string, init: RequestInit = {}, keepalive = false) {
	const id = `workers-test-${process.pid}-${++ids}`
	const response = await fetch(`${base}${path}`, {
		...init,
		keepalive,
		headers: { ...(init.headers as Record<string, string>), 'x-request-id': id }
	})
	return { id, status: response.status, body: await response.text() }
}

/** Which worker served each request id, from the request log lines as they arrive. */
function servedBy(server: ServerProcess) {
	let read = 0
	const workers = new Map<string, number>()
	return async (requestIds: string[]): Promise<number[]> => {
		const deadline = performance.now() + 10_000
		for (;;) {
			for (; read < server.lines.length; read++) {
				const line = server.lines[read]!
				if (line.msg === 'request') workers.set(line.request_id as string, line.worker as number)
			}
			if (requestIds.every((id) => workers.has(id))) return requestIds.map((id) => workers.get(id)!)
			if (performance.now() > deadline) throw new Error('request lines missing from the log')
			await Bun.sleep(5)
		}
	}
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
const alive = (pid: number) => {
	try {
		process.kill(pid, 0)
		return true
	} catch {
		return false
	}
}

describe('WORKERS=2 (docs/contract.md Running several instances)', () => {
	let server: ServerProcess
	let who: ReturnType<typeof servedBy>

	beforeAll(async () => {
		server = await spawnServer(
			{ WORKERS: '2', DATABASE_PATH: join(dir, 'demo.sqlite'), REGISTRATION: 'closed' },
			'src/server/demo.ts'
		)
		who = servedBy(server)
	})
	afterAll(() => {
		if (server.proc.exitCode === null) server.proc.kill('SIGKILL')
	})

	async function login() {
		const { id, status, body } = await send(
			server.base,
			'/oauth/token',
			form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
		)
		expect(status).toBe(200)
		return { id, token: JSON.parse(body).access_token as string }
	}

	test('docs/contract.md WORKERS: new connections to the one port are spread over both workers, whose lines carry `worker`', async () => {
		const requests = await Promise.all(Array.from({ length: 40 }, () => send(server.base, '/health')))
		expect(requests.map((r) => r.status)).toEqual(Array(40).fill(200))
		const workers = await who(requests.map((r) => r.id))
		const counts = [1, 2].map((n) => workers.filter((w) => w === n).length)
		console.info(`40 new connections: worker 1 served ${counts[0]}, worker 2 served ${counts[1]}`)
		expect(Math.min(...counts)).toBeGreaterThan(0)
		expect(
			server.lines
				.filter((l) => l.msg === 'listening')
				.map((l) => l.worker)
				.sort()
		).toEqual([1, 2])
	})

	test('docs/contract.md Running several instances: a token issued by one worker works on the other', async () => {
		const { id, token } = await login()
		const [issuer] = await who([id])
		for (let i = 0; i < 40; i++) {
			const check = await send(server.base, '/users/me', bearer(token))
			expect(check.status).toBe(200)
			if ((await who([check.id]))[0] !== issuer) return
		}
		throw new Error('40 new connections all reached the issuing worker')
	})

	test(`docs/contract.md Running several instances: a logout on one worker is refused by every worker at the next request (bound 0), ${ROUNDS} rounds`, async () => {
		let checks = 0
		let byOther = 0
		for (let round = 0; round < ROUNDS; round++) {
			const { token } = await login()
			// Warm: until both workers have served (and so remember) the token.
			const warmed = new Set<number>()
			for (let tries = 0; warmed.size < 2; tries++) {
				if (tries === 20) throw new Error(`round ${round}: one worker never served the token`)
				const warm = await Promise.all(
					Array.from({ length: 4 }, () => send(server.base, '/users/me', bearer(token)))
				)
				expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200])
				for (const w of await who(warm.map((r) => r.id))) warmed.add(w)
			}
			const logout = await send(server.base, '/auth/logout', { method: 'POST', ...bearer(token) })
			expect(logout.status).toBe(204)
			// At once, on new connections and on kept-alive ones, on both workers: never 200.
			const after = await Promise.all([
				...Array.from({ length: 6 }, () => send(server.base, '/users/me', bearer(token))),
				...Array.from({ length: 2 }, () => send(server.base, '/users/me', bearer(token), true))
			])
			expect(after.map((r) => r.status)).toEqual(Array(8).fill(401))
			const [revoker] = await who([logout.id])
			const workers = await who(after.map((r) => r.id))
			checks += workers.length
			byOther += workers.filter((w) => w !== revoker).length
		}
		console.info(
			`${ROUNDS} logouts: ${checks} requests right after, ${byOther} of them on the other worker (which had the token in memory); 200s after a logout: 0`
		)
		expect(byOther).toBeGreaterThan(ROUNDS)
	})

	test('docs/contract.md WORKERS: a worker killed with SIGKILL is restarted, and the port keeps answering', async () => {
		const [pid] = server.lines.find((l) => l.msg === 'supervising')!.pids as number[]
		let polling = true
		let failedAfterExit = 0
		let failed = 0
		let exitedAt = Infinity
		const poll = (async () => {
			let count = 0
			while (polling) {
				const started = performance.now()
				const ok = await send(server.base, '/health').then(
					(r) => r.status === 200,
					() => false
				)
				// Requests that were already queued on the dying socket may be reset; later ones may not.
				if (!ok) failed++
				if (!ok && started > exitedAt) failedAfterExit++
				count++
			}
			return count
		})()
		await Bun.sleep(200)
		process.kill(pid!, 'SIGKILL')
		const exit = await waitForLine(server, (l) => l.msg === 'worker exited' && l.pid === pid)
		exitedAt = performance.now()
		expect(exit).toMatchObject({
			level: 'error',
			worker: 1,
			signal: 'SIGKILL',
			restart_in_ms: expect.any(Number)
		})
		const restarted = await waitForLine(server, (l) => l.msg === 'worker restarted' && l.worker === 1)
		await waitForLine(
			server,
			(l) => l.msg === 'listening' && l.worker === 1,
			server.lines.indexOf(restarted)
		)
		await Bun.sleep(200)
		polling = false
		const polled = await poll
		console.info(
			`SIGKILL of worker 1: ${polled} requests meanwhile, ${failed} failed (${failedAfterExit} after the exit was logged)`
		)
		expect(polled).toBeGreaterThan(10)
		expect(failedAfterExit).toBe(0)
		expect(alive(restarted.pid as number)).toBe(true)
		// The new worker 1 takes connections again.
		for (let tries = 0; ; tries++) {
			if (tries === 40) throw new Error('the restarted worker never served')
			const r = await send(server.base, '/health')
			if ((await who([r.id]))[0] === 1) break
		}
	})

	test('docs/contract.md WORKERS: SIGTERM stops the supervisor and every worker, in-flight requests finish, exit 0', async () => {
		const pids = currentPids(server)
		expect(pids.every(alive)).toBe(true)
		// Logins take an Argon2 run each, one at a time per worker (PASSWORD_CONCURRENCY is the
		// cores shared out): once the first has answered, the others are queued inside the workers.
		// Four: a fifth pending attempt on one username would be throttled (429).
		const inFlight = Array.from({ length: 4 }, () =>
			send(
				server.base,
				'/oauth/token',
				form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
			)
		)
		await Promise.race(inFlight)
		expect(await server.stop()).toBe(0)
		expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual(Array(4).fill(200))
		expect(pids.filter(alive)).toEqual([])
		const stopped = server.lines.filter((l) => l.msg === 'stopped')
		expect(stopped.map((l) => l.worker ?? 'supervisor').sort()).toEqual([1, 2, 'supervisor'])
		expect(server.lines.at(-1)).toMatchObject({ msg: 'stopped' })
		expect(server.lines.at(-1)!.worker).toBeUndefined()
	})
})

describe('WORKERS: a supervisor that dies (docs/contract.md Running several instances)', () => {
	test('docs/contract.md WORKERS: workers whose supervisor was killed with SIGKILL stop by themselves and free the port', async () => {
		const server = await spawnServer({ WORKERS: '2', DATABASE_PATH: join(dir, 'orphans.sqlite') })
		const pids = currentPids(server)
		expect(pids.every(alive)).toBe(true)
		server.proc.kill('SIGKILL')
		await server.proc.exited
		const deadline = performance.now() + 20_000
		while (pids.some(alive) && performance.now() < deadline) await Bun.sleep(50)
		expect(pids.filter(alive)).toEqual([])
		expect(
			await fetch(`${server.base}/health`, { keepalive: false }).then(
				(r) => r.status,
				() => 'refused'
			)
		).toBe('refused')
	})
})

describe('WORKERS on a busy port (docs/contract.md Settings)', () => {
	for (const reusePort of [false, true])
		test(`socket(7) SO_REUSEPORT: WORKERS=2 on a port another process holds${reusePort ? ' with SO_REUSEPORT' : ''} exits 1 with one line, no worker started`, async () => {
			const other = Bun.serve({
				port: 0,
				hostname: '127.0.0.1',
				reusePort,
				fetch: () => new Response('other')
			})
			try {
				const proc = spawnBun(['src/server/main.ts'], {
					WORKERS: '2',
					PORT: String(other.port),
					DATABASE_PATH: join(dir, `busy-${reusePort}.sqlite`)
				})
				const timeout = setTimeout(() => proc.kill('SIGKILL'), 30_000)
				const status = await proc.exited
				clearTimeout(timeout)
				expect({ status, stderr: await new Response(proc.stderr).text() }).toEqual({
					status: 1,
					stderr: `tessera: PORT ${other.port} is already in use on 127.0.0.1\n`
				})
				expect(await new Response(proc.stdout).text()).not.toContain('"listening"')
				for (let i = 0; i < 10; i++)
					expect(
						await (await fetch(`http://127.0.0.1:${other.port}/`, { keepalive: false })).text()
					).toBe('other')
			} finally {
				other.stop(true)
			}
		})

	test('docs/contract.md WORKERS: WORKERS=2 with DATABASE_PATH=:memory: exits 1 with one line naming WORKERS', async () => {
		const proc = spawnBun(['src/server/main.ts'], { WORKERS: '2', PORT: '0', DATABASE_PATH: ':memory:' })
		expect(await proc.exited).toBe(1)
		const stderr = await new Response(proc.stderr).text()
		expect(stderr).toStartWith('tessera: bad setting WORKERS: ')
		expect(stderr.trimEnd().split('\n')).toHaveLength(1)
	})
})

async function waitForLine(
	server: ServerProcess,
	match: (line: Record<string, unknown>) => boolean,
	from = 0
): Promise<Record<string, unknown>> {
	const deadline = performance.now() + 30_000
	for (;;) {
		const line = server.lines.slice(from).find(match)
		if (line) return line
		if (performance.now() > deadline) throw new Error('log line never came')
		await Bun.sleep(10)
	}
}

/** The workers' pids now: those the supervisor started with, replaced by each restart. */
function currentPids(server: ServerProcess): number[] {
	const pids = [...(server.lines.find((l) => l.msg === 'supervising')!.pids as number[])]
	for (const line of server.lines)
		if (line.msg === 'worker restarted') pids[(line.worker as number) - 1] = line.pid as number
	return pids
}
