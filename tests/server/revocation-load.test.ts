/**
 * Issue "Hot path", item 2, from outside: principals kept in memory (src/auth/principal.ts) are
 * never served once revoked, disabled, narrowed or deleted state exists, across processes on one
 * SQLite file, under concurrent load. Two topologies: two `bun run demo` processes on two ports
 * (so a revocation can be sent to one of them on purpose), and WORKERS=2 on one port (the worker
 * behind each request is read from its log line, by request id).
 *
 * While a load generator sends GET /users/me with every token to every process, over new and
 * kept-alive connections, the test revokes through (a) a logout on one process, (b) the CLI's
 * `users disable`, (c) an admin PATCH that takes a scope away, sent to the other process, and
 * (d) the CLI's `clients delete`. The bound it measures is the number of 200s to requests sent
 * after the revocation had answered: docs/contract.md promises 0 on one machine.
 *
 * The load runs as long as the evidence takes, not for a set time: the first revocation waits
 * until every token to be revoked has had a 200 from each process (it is in memory everywhere),
 * and each next one until every token just revoked has been checked on each process.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { form, json } from '../helpers/http'
import { spawnBun, spawnServer, type ServerProcess } from '../helpers/process'

setDefaultTimeout(180_000)

/** Request loops running at once; few enough for a 2-core machine that also runs the servers. */
const CONCURRENCY = 8
/** Each affected token must have been refused at least this often on each process afterwards. */
const MIN_CHECKS_PER_PROCESS = 5

const dir = mkdtempSync(join(tmpdir(), 'tessera-revocation-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Token {
	label: string
	access: string
	/** performance.now() when the revocation that affects it answered; Infinity: never revoked. */
	revokedAt: number
}

interface Sample {
	token: Token
	id: string
	/** The process or worker that answered: known at once on two ports, from the logs on one. */
	where?: string
	sent: number
	status: number
}

interface Topology {
	name: string
	/** Where requests can go. */
	places: string[]
	start(database: string): Promise<{ servers: ServerProcess[]; targets: string[] }>
	/** Fills in where samples went, as far as is known yet (it reads each log line once). */
	locator(servers: ServerProcess[]): (samples: Sample[]) => void
}

const topologies: Topology[] = [
	{
		name: 'two processes on one SQLite file',
		places: ['process A', 'process B'],
		async start(database) {
			const env = { DATABASE_PATH: database, REGISTRATION: 'closed' }
			// One after the other: the second finds the demo data there and adds nothing.
			const a = await spawnServer(env, 'src/server/demo.ts')
			const b = await spawnServer(env, 'src/server/demo.ts').catch(async (error) => {
				await a.stop()
				throw error
			})
			return { servers: [a, b], targets: [a.base, b.base] }
		},
		locator: () => () => {}
	},
	{
		name: 'WORKERS=2 on one port',
		places: ['worker 1', 'worker 2'],
		async start(database) {
			const s = await spawnServer(
				{ DATABASE_PATH: database, REGISTRATION: 'closed', WORKERS: '2' },
				'src/server/demo.ts'
			)
			return { servers: [s], targets: [s.base] }
		},
		locator([server]) {
			const byId = new Map<string, string>()
			let read = 0
			return (samples) => {
				for (const line of server!.lines.slice(read))
					if (line.msg === 'request') byId.set(line.request_id as string, `worker ${line.worker}`)
				read = server!.lines.length
				for (const sample of samples) sample.where ??= byId.get(sample.id)
			}
		}
	}
]

/** Polls until `done` holds (the load goes on meanwhile); a hang guard, not a measure. */
async function until(what: string, done: () => boolean) {
	const deadline = performance.now() + 120_000
	while (!done()) {
		if (performance.now() > deadline) throw new Error(`never: ${what}`)
		await Bun.sleep(20)
	}
}

let ids = 0

for (const topology of topologies)
	describe(`revocation under concurrent load: ${topology.name} (docs/contract.md Running several instances)`, () => {
		test('docs/contract.md Running several instances: no revoked, disabled, narrowed or deleted state is served from memory by any process once the change has answered (bound 0)', async () => {
			const database = join(dir, `${topology.name.replace(/\W+/g, '-')}.sqlite`)
			const { servers, targets } = await topology.start(database)
			try {
				await scenario(topology, servers, targets, database)
			} finally {
				// Every one stopped before any status is judged: a failed expect must not leave one running.
				const statuses = await Promise.all(servers.map((server) => server.stop()))
				expect(statuses).toEqual(servers.map(() => 0))
			}
		})
	})

async function scenario(topology: Topology, servers: ServerProcess[], targets: string[], database: string) {
	const [first, second = first] = targets as [string, string?]
	const call = async (base: string, path: string, init: RequestInit = {}, keepalive = false) => {
		const id = `load-${process.pid}-${++ids}`
		const response = await fetch(`${base}${path}`, {
			...init,
			keepalive,
			headers: { ...(init.headers as Record<string, string>), 'x-request-id': id }
		})
		return { id, status: response.status, body: await response.json().catch(() => null) }
	}
	const bearer = (access: string, init: RequestInit = {}): RequestInit => ({
		...init,
		headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${access}` }
	})
	const login = async (username: string, password: string, client?: string) => {
		const r = await call(
			first,
			'/oauth/token',
			form({ grant_type: 'password', username, password, ...(client ? { client_id: client } : {}) })
		)
		expect(r.status).toBe(200)
		return r.body.access_token as string
	}

	// The cast: users and a client to revoke, and bystanders that must never notice.
	const admin = await login('admin', 'admin-secret')
	const userIds: Record<string, number> = {}
	for (const username of ['steady', 'leaving', 'disabled', 'narrowed', 'doomed-user']) {
		const r = await call(
			first,
			'/users',
			bearer(admin, json({ username, password: `${username} password` }))
		)
		expect(r.status).toBe(201)
		userIds[username] = r.body.id
	}
	const client = await call(
		first,
		'/admin/clients',
		bearer(
			admin,
			json({ client_id: 'doomed', confidential: false, grants: ['password'], scopes: ['profile'] })
		)
	)
	expect(client.status).toBe(201)
	const tokens = async (label: string, username: string, n: number, clientId?: string) =>
		Promise.all(
			Array.from({ length: n }, async (_, i): Promise<Token> => ({
				label: `${label} #${i + 1}`,
				access: await login(username, `${username} password`, clientId),
				revokedAt: Infinity
			}))
		)
	const steady = await tokens('steady', 'steady', 3)
	const loggedOut = await tokens('logged out', 'leaving', 2)
	const sameUserStays = await tokens('same user, other session', 'leaving', 2)
	const disabled = await tokens('disabled user', 'disabled', 3)
	const narrowed = await tokens('narrowed user', 'narrowed', 3)
	const viaDeleted = await tokens('deleted client', 'doomed-user', 3, 'doomed')
	const sameUserOtherClient = await tokens('same user, other client', 'doomed-user', 2)
	const all = [
		...steady,
		...loggedOut,
		...sameUserStays,
		...disabled,
		...narrowed,
		...viaDeleted,
		...sameUserOtherClient
	]

	// The load: every token, on every process, over new and kept-alive connections.
	const samples: Sample[] = []
	/** Those whose place tally (below) has not counted yet. */
	let unlocated: Sample[] = []
	let running = true
	const loops = Array.from({ length: CONCURRENCY }, async () => {
		while (running) {
			const token = all[Math.floor(Math.random() * all.length)]!
			const target = Math.floor(Math.random() * targets.length)
			const sent = performance.now()
			const r = await call(targets[target]!, '/users/me', bearer(token.access), Math.random() < 0.5)
			const where = targets.length > 1 ? topology.places[target] : undefined
			const sample = { token, id: r.id, where, sent, status: r.status }
			samples.push(sample)
			unlocated.push(sample)
		}
	})
	const cli = async (...args: string[]) => {
		// LOG_LEVEL=warn: the CLI's audit lines would go to stderr.
		const proc = spawnBun(['src/server/cli/index.ts', ...args], {
			DATABASE_PATH: database,
			LOG_LEVEL: 'warn'
		})
		const [status, stderr] = await Promise.all([
			proc.exited,
			new Response(proc.stderr).text(),
			new Response(proc.stdout).text()
		])
		expect({ args, status, stderr }).toEqual({ args, status: 0, stderr: '' })
	}
	const revoked = (affected: Token[]) => {
		const at = performance.now()
		for (const token of affected) token.revokedAt = at
	}

	// Per token and place, once located: 200s to requests sent before its revocation, and requests
	// sent after it. A sample is located after it was sent, so its revocation, if before, is known.
	const locate = topology.locator(servers)
	const warm = new Map<Token, Set<string>>(all.map((token) => [token, new Set()]))
	const checks = new Map<Token, Map<string, number>>(all.map((token) => [token, new Map()]))
	const tally = () => {
		locate(unlocated)
		for (const { token, where, sent, status } of unlocated)
			if (where === undefined) continue
			else if (sent > token.revokedAt)
				checks.get(token)!.set(where, (checks.get(token)!.get(where) ?? 0) + 1)
			else if (status === 200) warm.get(token)!.add(where)
		unlocated = unlocated.filter((sample) => sample.where === undefined)
	}
	/** Each of `tokens` has had a 200 on each place before its revocation. */
	const warmed = (tokens: Token[]) => {
		tally()
		return tokens.every((token) => warm.get(token)!.size === topology.places.length)
	}
	/** Each of `tokens` has been checked on each place often enough since its revocation. */
	const checked = (tokens: Token[]) => {
		tally()
		return tokens.every((token) =>
			topology.places.every((where) => (checks.get(token)!.get(where) ?? 0) >= MIN_CHECKS_PER_PROCESS)
		)
	}
	const toRevoke = [...loggedOut, ...disabled, ...narrowed, ...viaDeleted]

	try {
		await revokeAll()
	} finally {
		// Also when an expectation failed: no request may outlive the servers.
		running = false
		await Promise.all(loops)
	}
	await until('every request located in the logs', () => (tally(), unlocated.length === 0))

	async function revokeAll() {
		await until('every token to revoke answered 200 on each process', () => warmed(toRevoke))
		// (a) logout, on the first process, of two sessions of a user who keeps two others.
		for (const token of loggedOut) {
			const r = await call(first, '/auth/logout', bearer(token.access, { method: 'POST' }))
			expect(r.status).toBe(204)
			revoked([token])
		}
		await until('the logged-out tokens checked on each process', () => checked(loggedOut))
		// (b) the CLI, a third process, disables a user.
		await cli('users', 'disable', 'disabled')
		revoked(disabled)
		await until("the disabled user's tokens checked on each process", () => checked(disabled))
		// (c) an admin takes `profile` away, on the other process.
		const patch = await call(
			second,
			`/admin/users/${userIds.narrowed}`,
			bearer(admin, json({ scopes: ['posts:read'] }, 'PATCH'))
		)
		expect(patch.status).toBe(200)
		revoked(narrowed)
		await until("the narrowed user's tokens checked on each process", () => checked(narrowed))
		// (d) the CLI deletes a client: its tokens stop, its user's other tokens do not.
		await cli('clients', 'delete', 'doomed')
		revoked(viaDeleted)
		await until("the deleted client's tokens checked on each process", () => checked(viaDeleted))
	}

	// Every affected token was in memory everywhere before it was revoked (warmed), and was checked
	// everywhere after it (checked): revokeAll waited for both.
	const affected = all.filter((token) => token.revokedAt !== Infinity)

	// The bound: 200s to requests sent after the revocation answered.
	const after = samples.filter((s) => s.sent > s.token.revokedAt)
	const stale = after.filter((s) => s.status === 200)
	expect(
		stale.map(
			(s) => `${s.token.label} on ${s.where}, sent ${(s.sent - s.token.revokedAt).toFixed(2)} ms after`
		)
	).toEqual([])
	expect([...new Set(after.map((s) => s.status))].every((status) => status === 401 || status === 403)).toBe(
		true
	)
	// The bystanders were never refused, not even the same users' other sessions and clients.
	const unaffected = samples.filter((s) => s.token.revokedAt === Infinity)
	expect(
		unaffected.filter((s) => s.status !== 200).map((s) => `${s.token.label} on ${s.where}: ${s.status}`)
	).toEqual([])

	// And once more, quietly: each affected token, on each process, new and kept-alive connections.
	for (const token of affected)
		for (const base of targets)
			for (const keepalive of [false, true, false, true])
				expect([401, 403]).toContain(
					(await call(base, '/users/me', bearer(token.access), keepalive)).status
				)
	for (const token of all.filter((t) => t.revokedAt === Infinity))
		for (const base of targets)
			expect((await call(base, '/users/me', bearer(token.access))).status).toBe(200)

	const refusedSoonest = Math.min(...after.map((s) => s.sent - s.token.revokedAt))
	console.info(
		`${topology.name}: ${samples.length} requests under load (${unaffected.length} with unaffected tokens, all 200); ` +
			`${after.length} sent after a revocation had answered, the first ${refusedSoonest.toFixed(2)} ms after; 200s among them: ${stale.length} (bound 0)`
	)
}
