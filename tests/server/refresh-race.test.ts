/**
 * Refresh rotation across processes on one SQLite file (docs/contract.md: exactly one wins): the
 * racers are real processes (tests/fixtures/rotate-worker.ts), each with its own connection.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTessera } from '../../src/tessera'
import { serverOptions, sqliteOf } from '../helpers/app'
import { lineReader, ROOT } from '../helpers/process'

describe('refresh rotation across processes (docs/contract.md: exactly one wins)', () => {
	test('docs/contract.md: 4 processes sharing the SQLite file race one refresh token → exactly one winner, 5 rounds', async () => {
		const path = join(mkdtempSync(join(tmpdir(), 'tessera-race-')), 'race.sqlite')
		const tessera = await createTessera(serverOptions({ DATABASE_PATH: path }))
		const user = await tessera.users.create({
			username: 'racer',
			password: 'racing-password',
			scopes: ['profile']
		})
		// Started once: each round, every one waits for the same instant and then rotates.
		const workers = Array.from({ length: 4 }, () => {
			const proc = Bun.spawn(['bun', 'tests/fixtures/rotate-worker.ts', path], {
				cwd: ROOT,
				stdin: 'pipe',
				stdout: 'pipe',
				stderr: 'inherit'
			})
			return { proc, next: lineReader(proc.stdout) }
		})
		try {
			expect(await Promise.all(workers.map((w) => w.next()))).toEqual(Array(4).fill('ready'))
			for (let round = 0; round < 5; round++) {
				const { refreshToken } = await tessera.sessions.startUserSession(
					user.id,
					'default',
					'profile',
					true
				)
				const startAt = Date.now() + 50
				for (const { proc } of workers) proc.stdin.write(`${refreshToken} ${startAt}\n`)
				for (const { proc } of workers) proc.stdin.flush()
				const outcomes = await Promise.all(workers.map((w) => w.next()))
				expect(outcomes.sort()).toEqual(['lost', 'lost', 'lost', 'won'])
			}
		} finally {
			for (const { proc } of workers) proc.stdin.end()
			await Promise.all(workers.map(({ proc }) => proc.exited))
			sqliteOf(tessera).$client.close()
		}
	})
})
