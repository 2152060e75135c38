/**
 * Crash test: the real server (`bun src/server/main.ts` on a database file) under logins and refreshes
 * from several concurrent clients is killed with SIGKILL mid-load, then restarted. Everything a
 * client got a success for must still be there — the users (201), the sessions (200 on login)
 * and the refresh tokens handed out (200 on login or refresh) — and the database intact.
 * SQLite in WAL mode commits before the response is written, so a process crash loses nothing
 * that was acknowledged.
 */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { hashSecret } from '../src/tokens/opaque'

// Real processes: their start-up time is the machine's, not the code's.
setDefaultTimeout(60_000)

const CLIENTS = 6
const ROOT = join(import.meta.dir, '..')
const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function freePort(): number {
	const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
	const { port } = probe
	probe.stop(true)
	return port!
}

const port = freePort()
const base = `http://127.0.0.1:${port}`
const env = {
	...process.env,
	PORT: String(port),
	HOST: '127.0.0.1',
	DATABASE_PATH: join(dir, 'tessera.sqlite'),
	REGISTRATION: 'open',
	LOG_LEVEL: 'error',
	// Each registration comes from its own address, as from many people: the per-address
	// registration throttle is not what this test is about.
	TRUST_PROXY: 'true'
}

async function startServer() {
	const proc = Bun.spawn(['bun', 'src/server/main.ts'], {
		cwd: ROOT,
		env,
		stdout: 'ignore',
		stderr: 'inherit'
	})
	const deadline = Date.now() + 20_000
	while (Date.now() < deadline) {
		if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`)
		const up = await fetch(`${base}/health`).then(
			(r) => r.ok,
			() => false
		)
		if (up) return proc
		await Bun.sleep(50)
	}
	proc.kill('SIGKILL')
	throw new Error('server did not start')
}

let requests = 0
const post = (path: string, body: Record<string, string>, type: 'form' | 'json') =>
	fetch(`${base}${path}`, {
		method: 'POST',
		headers: {
			'content-type': type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
			'x-forwarded-for': `10.${(++requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`
		},
		body: type === 'form' ? new URLSearchParams(body).toString() : JSON.stringify(body)
	})

interface Acknowledged {
	users: Set<string>
	sessions: Set<string>
	refreshTokens: Set<string>
	refreshes: number
}

/** One client: register, log in, refresh a few times, again; every success is recorded. */
async function client(id: number, acked: Acknowledged, running: () => boolean, inFlight: { n: number }) {
	const call = async (path: string, body: Record<string, string>, type: 'form' | 'json') => {
		inFlight.n++
		try {
			const response = await post(path, body, type)
			return { status: response.status, body: (await response.json()) as any }
		} finally {
			inFlight.n--
		}
	}
	try {
		for (let round = 0; running(); round++) {
			const username = `crash-${id}-${round}`
			const password = `password-${id}-${round}`
			const created = await call('/users', { username, password }, 'json')
			if (created.status !== 201) throw new Error(`registration: ${created.status}`)
			acked.users.add(username)
			const login = await call('/oauth/token', { grant_type: 'password', username, password }, 'form')
			if (login.status !== 200) throw new Error(`login: ${login.status}`)
			acked.sessions.add(decodeJwt(login.body.access_token).sid as string)
			acked.refreshTokens.add(login.body.refresh_token)
			let refreshToken: string = login.body.refresh_token
			for (let i = 0; i < 3 && running(); i++) {
				const refreshed = await call(
					'/oauth/token',
					{ grant_type: 'refresh_token', refresh_token: refreshToken },
					'form'
				)
				if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status}`)
				// A rotated token is kept only while reuse detection needs it: the live one must survive.
				acked.refreshTokens.delete(refreshToken)
				refreshToken = refreshed.body.refresh_token
				acked.refreshTokens.add(refreshToken)
				acked.refreshes++
			}
		}
	} catch (error) {
		// Only the kill may end a client; anything else is a failure of the test.
		if (running()) throw error
	}
}

test('crash: SIGKILL mid-load loses no acknowledged user, session or refresh token; the database is intact', async () => {
	const first = await startServer()
	const acked: Acknowledged = {
		users: new Set(),
		sessions: new Set(),
		refreshTokens: new Set(),
		refreshes: 0
	}
	const inFlight = { n: 0 }
	let killed = false
	const clients = Array.from({ length: CLIENTS }, (_, id) => client(id, acked, () => !killed, inFlight))

	// The kill comes once as many sessions and refreshes as clients, twice over, were acknowledged.
	const started = Date.now()
	while (acked.sessions.size < 2 * CLIENTS || acked.refreshes < 2 * CLIENTS) {
		if (Date.now() - started > 30_000) throw new Error('the load never got going')
		await Bun.sleep(20)
	}
	const inFlightAtKill = inFlight.n
	killed = true
	first.kill('SIGKILL')
	await Promise.all(clients)
	expect(await first.exited).not.toBe(0)
	expect(inFlightAtKill).toBeGreaterThan(0)

	const second = await startServer()
	try {
		// The restarted server serves what was acknowledged: a sample of users log in again.
		for (const username of [...acked.users].slice(0, 3)) {
			const [, id, round] = username.split('-')
			const response = await post(
				'/oauth/token',
				{ grant_type: 'password', username, password: `password-${id}-${round}` },
				'form'
			)
			expect(response.status).toBe(200)
		}
	} finally {
		second.kill('SIGTERM')
		await second.exited
	}

	const db = new Database(env.DATABASE_PATH, { readonly: true })
	try {
		expect(db.query('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }])
		const users = new Set(
			db
				.query('SELECT username FROM tessera_users')
				.all()
				.map((r: any) => r.username)
		)
		const sessions = new Set(
			db
				.query('SELECT id FROM tessera_sessions')
				.all()
				.map((r: any) => r.id)
		)
		const tokens = new Set(
			db
				.query('SELECT token_hash FROM tessera_refresh_tokens')
				.all()
				.map((r: any) => r.token_hash)
		)
		const lost = {
			users: [...acked.users].filter((u) => !users.has(u)),
			sessions: [...acked.sessions].filter((s) => !sessions.has(s)),
			refreshTokens: [...acked.refreshTokens].filter((t) => !tokens.has(hashSecret(t))).length
		}
		console.info(
			`crash: ${CLIENTS} clients, killed with ${inFlightAtKill} requests in flight after ${acked.users.size} users, ` +
				`${acked.sessions.size} sessions, ${acked.refreshes} refreshes acknowledged; lost ${lost.users.length} users, ` +
				`${lost.sessions.length} sessions, ${lost.refreshTokens} refresh tokens; integrity_check ok`
		)
		expect(lost).toEqual({ users: [], sessions: [], refreshTokens: 0 })
	} finally {
		db.close()
	}
}, 60_000)
