/**
 * `bun run start` as a process: what docs/contract.md promises of it from outside.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { form } from './helpers/http'

async function startServer(env: Record<string, string>, script = 'src/main.ts') {
	const port = 20_000 + Math.floor(Math.random() * 20_000)
	const proc = Bun.spawn(['bun', script], {
		env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', ...env },
		stdout: 'pipe',
		stderr: 'pipe'
	})
	const base = `http://127.0.0.1:${port}`
	for (let i = 0; i < 200; i++) {
		const up = await fetch(`${base}/health`).then(
			(r) => r.ok,
			() => false
		)
		if (up) return { proc, base }
		await Bun.sleep(25)
	}
	proc.kill()
	throw new Error('server did not start')
}

describe('bun run start (docs/contract.md Commands)', () => {
	for (const signal of ['SIGTERM', 'SIGINT'] as const)
		test(`docs/contract.md: migrates a new database, creates no demo users, and stops cleanly on ${signal}`, async () => {
			const database = join(mkdtempSync(join(tmpdir(), 'tessera-start-')), 'tessera.sqlite')
			const { proc, base } = await startServer({ DATABASE_PATH: database })
			const login = await fetch(
				`${base}/oauth/token`,
				form({ grant_type: 'password', username: 'johndoe', password: 'secret' })
			)
			expect(login.status).toBe(400)
			expect(((await login.json()) as any).error).toBe('invalid_grant')
			// Registration is closed outside the demo.
			const register = await fetch(`${base}/users`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ username: 'someone', password: 'long enough' })
			})
			expect(register.status).toBe(401)

			proc.kill(signal)
			expect(await proc.exited).toBe(0)
			const lines = (await new Response(proc.stdout).text())
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line))
			expect(lines.map((l) => l.msg)).toContain('listening')
			expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' })
			expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal })
		}, 30_000)

	// Elysia's development mode formats every rejected body whole, with an example of the expected
	// one, and leaves Bun.serve in development mode; tests/security/deep-json.test.ts has the numbers.
	for (const script of ['src/main.ts', 'src/demo.ts'])
		test(`docs/contract.md: no request gets a 500 or a stack trace — ${script} runs Elysia in production mode, whatever NODE_ENV says`, async () => {
			const database = join(mkdtempSync(join(tmpdir(), 'tessera-mode-')), 'tessera.sqlite')
			const { proc, base } = await startServer(
				{ DATABASE_PATH: database, NODE_ENV: 'development' },
				script
			)
			const refused = await fetch(`${base}/oauth/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ grant_type: ['x'] })
			})
			expect(refused.status).toBe(400)
			proc.kill('SIGTERM')
			expect(await proc.exited).toBe(0)
			const lines = (await new Response(proc.stdout).text())
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line))
			expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ production: true })
		}, 30_000)
})
