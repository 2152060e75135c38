/**
 * `bun run start` as a process: what docs/contract.md promises of it from outside.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { form } from './helpers/http'
import { spawnBun, spawnServer, type ServerProcess } from './helpers/process'

/** A start that cannot succeed, to its exit: its status and what it wrote to stderr. */
async function failedStart(args: string[], env: Record<string, string>) {
	const proc = spawnBun(args, env)
	// A server that starts after all is stopped, so the test fails instead of hanging; a start
	// that fails takes well under a second, unless the machine is very busy.
	const timeout = setTimeout(() => proc.kill('SIGKILL'), 20_000)
	const status = await proc.exited
	clearTimeout(timeout)
	const stderr = await new Response(proc.stderr).text()
	return { status, stderr, lines: stderr.trimEnd().split('\n') }
}

const newDatabase = join(mkdtempSync(join(tmpdir(), 'tessera-start-')), 'tessera.sqlite')

/**
 * One `bun run start` on a new database file, for the tests below up to its SIGTERM: each only
 * reads from it, or refuses (no demo users, closed registration, a rejected body).
 */
describe('bun run start (docs/contract.md Commands)', () => {
	let server: ServerProcess

	beforeAll(async () => {
		server = await spawnServer({
			DATABASE_PATH: newDatabase,
			NODE_ENV: 'development',
			ISSUER: 'https://id.example.com'
		})
	})
	afterAll(() => {
		if (server.proc.exitCode === null) server.proc.kill('SIGKILL')
	})

	test('docs/contract.md: migrates a new database and creates no demo users; registration is closed', async () => {
		const login = await fetch(
			`${server.base}/oauth/token`,
			form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
		)
		expect(login.status).toBe(400)
		expect(((await login.json()) as any).error).toBe('invalid_grant')
		// Registration is closed outside the demo.
		const register = await fetch(`${server.base}/users`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'someone', password: 'long enough' })
		})
		expect(register.status).toBe(401)
	})

	test('docs/contract.md LOG_LEVEL: the listening line names the URL, the issuer and the store', () => {
		expect(server.lines.find((line) => line.msg === 'listening')).toMatchObject({
			level: 'info',
			url: server.base,
			issuer: 'https://id.example.com',
			store: 'sqlite',
			database: newDatabase,
			jwt_alg: 'RS256'
		})
	})

	// Elysia's development mode formats every rejected body whole, with an example of the expected
	// one, and leaves Bun.serve in development mode; tests/security/deep-json.test.ts has the numbers.
	test('docs/contract.md: no request gets a 500 or a stack trace — src/server/main.ts runs Elysia in production mode, whatever NODE_ENV says', async () => {
		const refused = await fetch(`${server.base}/oauth/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ grant_type: ['x'] })
		})
		expect(refused.status).toBe(400)
		expect(server.lines.find((l) => l.msg === 'listening')).toMatchObject({ production: true })
	})

	test('socket(7) SO_REUSEPORT: a second server on a busy port exits 1 naming the port; the first keeps serving', async () => {
		for (const script of ['src/server/main.ts', 'src/server/demo.ts']) {
			const second = await failedStart([script], {
				DATABASE_PATH: ':memory:',
				PORT: String(server.port)
			})
			expect({ script, ...second }).toEqual({
				script,
				status: 1,
				stderr: `tessera: PORT ${server.port} is already in use on 127.0.0.1\n`,
				lines: [expect.any(String)]
			})
		}
		// Every connection still reaches the first server: none was split off to the second.
		for (let i = 0; i < 20; i++) expect((await fetch(`${server.base}/health`)).status).toBe(200)
		expect(server.lines.filter((line) => line.msg === 'listening')).toHaveLength(1)
	}, 60_000)

	test('docs/contract.md: stops cleanly on SIGTERM', async () => {
		expect(await server.stop()).toBe(0)
		expect(server.lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' })
		expect(server.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' })
	})

	test('docs/contract.md: stops cleanly on SIGINT', async () => {
		const { proc, lines } = await spawnServer({})
		proc.kill('SIGINT')
		expect(await proc.exited).toBe(0)
		expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' })
		expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGINT' })
	})

	test('docs/contract.md: no request gets a 500 or a stack trace — src/server/demo.ts runs Elysia in production mode, whatever NODE_ENV says', async () => {
		const database = join(mkdtempSync(join(tmpdir(), 'tessera-mode-')), 'tessera.sqlite')
		const { base, lines, stop } = await spawnServer(
			{ DATABASE_PATH: database, NODE_ENV: 'development' },
			'src/server/demo.ts'
		)
		const refused = await fetch(`${base}/oauth/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ grant_type: ['x'] })
		})
		expect(refused.status).toBe(400)
		expect(await stop()).toBe(0)
		expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ production: true })
	})
})

describe('start-up that cannot succeed stops with one line (docs/contract.md Settings)', () => {
	function notADatabase() {
		const path = join(mkdtempSync(join(tmpdir(), 'tessera-start-')), 'notes.txt')
		writeFileSync(path, 'not a database, '.repeat(64))
		return path
	}

	test.each([
		['a directory that cannot be created', '/proc/nope/x.sqlite'],
		['a directory', '/'],
		['a file that is not a database', notADatabase()]
	])(
		'docs/contract.md: DATABASE_PATH naming %s exits 1 with one line naming DATABASE_PATH',
		async (_, path) => {
			for (const script of ['src/server/main.ts', 'src/server/demo.ts']) {
				const { status, stderr, lines } = await failedStart([script], {
					DATABASE_PATH: path,
					PORT: '0'
				})
				expect({ script, status, lines: lines.length }).toEqual({ script, status: 1, lines: 1 })
				expect(stderr).toStartWith(`tessera: bad setting DATABASE_PATH: cannot open ${path} (`)
				expect(stderr).not.toMatch(/\bat .*:\d+:\d+/)
			}
		},
		60_000
	)

	test('docs/contract.md: a HOST that is no address of this machine exits 1 with one line naming HOST', async () => {
		const { status, stderr } = await failedStart(['src/server/main.ts'], {
			DATABASE_PATH: ':memory:',
			PORT: '0',
			HOST: '192.0.2.1'
		})
		expect({ status, stderr }).toEqual({
			status: 1,
			stderr: 'tessera: HOST 192.0.2.1 is not an address of this machine\n'
		})
	})
})
