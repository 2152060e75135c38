/**
 * `bun run build`: one executable that runs `start`, `demo` and the admin CLI with the SQL
 * migrations and Swagger UI's files inside it. Built once for this file, copied into an empty
 * folder (no drizzle/, no node_modules beside it) and run there.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Compiling and running processes: the machine's time, not the code's.
setDefaultTimeout(120_000)

const ROOT = join(import.meta.dir, '../..')
const work = mkdtempSync(join(tmpdir(), 'tessera-binary-'))
const folder = join(work, 'empty')
const binary = join(folder, 'tessera')
afterAll(() => rmSync(work, { recursive: true, force: true }))

beforeAll(() => {
	const built = join(work, 'tessera')
	const build = Bun.spawnSync(['bun', 'scripts/build.ts', built], {
		cwd: ROOT,
		stdout: 'pipe',
		stderr: 'pipe'
	})
	if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`)
	mkdirSync(folder)
	copyFileSync(built, binary)
	chmodSync(binary, 0o755)
})

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder, HOST: '127.0.0.1', LOG_LEVEL: 'info' }

/** Runs the executable to its end in the empty folder. */
function tessera(args: string[], env: Record<string, string> = {}) {
	const result = Bun.spawnSync([binary, ...args], {
		cwd: folder,
		env: { ...ENV, ...env },
		stdout: 'pipe',
		stderr: 'pipe'
	})
	return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

/** Starts a server command on port 0 and reads its address from its `listening` log line. */
async function serve(command: 'start' | 'demo', env: Record<string, string> = {}) {
	const proc = Bun.spawn([binary, command], {
		cwd: folder,
		env: { ...ENV, PORT: '0', ...env },
		stdout: 'pipe',
		stderr: 'pipe'
	})
	const reader = proc.stdout.getReader()
	const decoder = new TextDecoder()
	let seen = ''
	const deadline = Date.now() + 30_000
	for (;;) {
		const chunk = await Promise.race([
			reader.read(),
			Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)
		])
		if (chunk === null || chunk.done) {
			proc.kill('SIGKILL')
			throw new Error(
				`tessera ${command} did not start: ${seen}${await new Response(proc.stderr).text()}`
			)
		}
		seen += decoder.decode(chunk.value, { stream: true })
		const url = /"msg":"listening","url":"([^"]+)"/.exec(seen)?.[1]
		if (url) {
			// src/server/production.ts must take effect before Elysia loads, in the bundle as from source.
			expect(seen).toContain('"production":true')
			// Keep reading, so a full pipe never blocks the server.
			void (async () => {
				while (!(await reader.read()).done);
			})().catch(() => {})
			return {
				url,
				stop: async () => {
					proc.kill('SIGTERM')
					return proc.exited
				}
			}
		}
	}
}

describe('the single executable', () => {
	test('--help names start, demo and the CLI commands', () => {
		const help = tessera(['--help'])
		expect(help.code).toBe(0)
		for (const line of ['start', 'demo', 'users list', 'db migrate', 'Usage: tessera <group> <command>'])
			expect(help.stdout).toContain(line)
		expect(tessera([]).code).toBe(2)
		const unknown = tessera(['nope'])
		expect(unknown.code).toBe(2)
		expect(unknown.stderr).toContain("unknown command 'nope' (see tessera --help)")
	})

	test('demo: johndoe logs in, /users/me answers, Swagger UI and its files are served; the CLI reads the same database', async () => {
		const server = await serve('demo')
		try {
			const login = await fetch(`${server.url}/oauth/token`, {
				method: 'POST',
				body: new URLSearchParams({ grant_type: 'password', username: 'johndoe', password: 'secret' })
			})
			expect(login.status).toBe(200)
			const { access_token } = (await login.json()) as { access_token: string }
			const me = await fetch(`${server.url}/users/me`, {
				headers: { authorization: `Bearer ${access_token}` }
			})
			expect(me.status).toBe(200)
			expect(await me.json()).toMatchObject({ username: 'johndoe' })

			const page = await fetch(`${server.url}/swagger`)
			expect(page.status).toBe(200)
			expect(await page.text()).toContain('/swagger/assets/swagger-ui-bundle.js')
			const css = await fetch(`${server.url}/swagger/assets/swagger-ui.css`)
			expect(css.status).toBe(200)
			const packaged = Bun.file(join(ROOT, 'node_modules/swagger-ui-dist/swagger-ui.css'))
			expect(await css.text()).toBe(await packaged.text())
			expect((await fetch(`${server.url}/swagger/json`)).status).toBe(200)
		} finally {
			expect(await server.stop()).toBe(0)
		}

		const list = tessera(['users', 'list', '--json'], { DATABASE_PATH: './data/demo.sqlite' })
		expect(list.stderr).toBe('')
		expect(list.code).toBe(0)
		const users = JSON.parse(list.stdout) as { username: string }[]
		expect(users.map((user) => user.username)).toEqual(['johndoe', 'alice', 'admin'])
	})

	test('start: migrates a new database and serves; db migrate finds it up to date', async () => {
		const server = await serve('start', { DATABASE_PATH: './data/tessera.sqlite' })
		try {
			expect((await fetch(`${server.url}/health`)).status).toBe(200)
		} finally {
			expect(await server.stop()).toBe(0)
		}
		const migrate = tessera(['db', 'migrate'])
		expect(migrate.code).toBe(0)
		expect(migrate.stdout).toContain('database ./data/tessera.sqlite is up to date')
	})

	test('docs/contract.md WORKERS: `tessera start` with WORKERS=2 runs two workers of the executable itself, and stops with 0', async () => {
		// The executable's argv[1] is its embedded script: a worker started with it would be no `start`.
		const proc = Bun.spawn([binary, 'start'], {
			cwd: folder,
			env: { ...ENV, PORT: '0', WORKERS: '2', DATABASE_PATH: './data/workers.sqlite' },
			stdout: 'pipe',
			stderr: 'pipe'
		})
		let seen = ''
		const reading = (async () => {
			for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) seen += chunk
		})()
		try {
			let url: string | undefined
			for (const deadline = Date.now() + 30_000; url === undefined; await Bun.sleep(50)) {
				if (Date.now() > deadline || proc.exitCode !== null)
					throw new Error(`tessera start did not start: ${seen}${await new Response(proc.stderr).text()}`)
				url = /"msg":"supervising","url":"([^"]+)"/.exec(seen)?.[1]
			}
			for (let i = 0; i < 20; i++)
				expect((await fetch(`${url}/health`, { keepalive: false })).status).toBe(200)
		} finally {
			proc.kill('SIGTERM')
		}
		expect(await proc.exited).toBe(0)
		await reading
		const lines = seen
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line))
		expect(lines.filter((l) => l.msg === 'listening').map((l) => [l.worker, l.production])).toEqual(
			expect.arrayContaining([
				[1, true],
				[2, true]
			])
		)
		const served = new Set(lines.filter((l) => l.msg === 'request').map((l) => l.worker))
		expect([...served].sort()).toEqual([1, 2])
	})
})
