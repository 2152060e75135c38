/**
 * The one timed test of the suite. What it must catch is a path that skips Argon2 (an unknown user
 * answered at once: a difference of thousands of per cent), so it times the work each login does,
 * with the real Argon2 cost: the CPU time of this process, Argon2's threads included, which other
 * processes on a busy machine do not stretch as they stretch the clock. The four cases are
 * interleaved in a shuffled order every round, and medians are compared. The wall-clock medians
 * are printed too; the README quotes both.
 */
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp } from '../helpers/app'
import { cpuMs } from '../helpers/cpu'
import { databaseOf } from '../helpers/database'
import { form } from '../helpers/http'

const ROUNDS = 15
const WARM_UP_ROUNDS = 2
const MAX_DIFFERENCE = 0.5

const CASES = {
	'unknown user': (round: number) => ({ username: `nobody-${round}`, password: 'wrong-password' }),
	'wrong password': () => ({ username: 'johndoe', password: 'wrong-password' }),
	'disabled user': () => ({ username: 'alice', password: 'secret2' }),
	'empty password': () => ({ username: 'johndoe', password: '' })
} as const
type Case = keyof typeof CASES

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b)
	const mid = sorted.length >> 1
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function shuffled<T>(items: readonly T[]): T[] {
	const copy = [...items]
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1))
		;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
	}
	return copy
}

describe('timing (RFC 6749 §10.10, docs/contract.md: one answer for unknown user and wrong password)', () => {
	test(`docs/contract.md: unknown user, wrong password, disabled user and empty password take the same time (CPU time medians of ${ROUNDS} interleaved rounds within ${MAX_DIFFERENCE * 100} %)`, async () => {
		// The real cost: with the cheap test hash, a login's other work and its jitter would dominate.
		const { request, tessera } = await createTestApp({}, { realPasswords: true })
		const samples = () =>
			Object.fromEntries(Object.keys(CASES).map((name) => [name, [] as number[]])) as Record<
				Case,
				number[]
			>
		const cpu = samples()
		const wall = samples()
		for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
			for (const name of shuffled(Object.keys(CASES) as Case[])) {
				// Throttling would turn the repeated failures into 429s; this test is about the login path.
				await databaseOf(tessera).run(sql`DELETE FROM tessera_login_throttle`)
				const started = { cpu: cpuMs(), wall: performance.now() }
				const response = await request(
					'/oauth/token',
					form({ grant_type: 'password', ...CASES[name](round) })
				)
				await response.arrayBuffer()
				expect(response.status).toBe(400)
				if (round < WARM_UP_ROUNDS) continue
				cpu[name].push(cpuMs() - started.cpu)
				wall[name].push(performance.now() - started.wall)
			}
		}
		const medians = (timings: Record<Case, number[]>) =>
			Object.fromEntries(
				Object.entries(timings).map(([name, values]) => [name, median(values)])
			) as Record<Case, number>
		const spread = (of: Record<Case, number>) =>
			(Math.max(...Object.values(of)) - Math.min(...Object.values(of))) / Math.min(...Object.values(of))
		const show = (of: Record<Case, number>) =>
			`${Object.entries(of)
				.map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
				.join(', ')}; difference ${(spread(of) * 100).toFixed(1)} %`
		const byCpu = medians(cpu)
		console.info(`timing medians (ms of CPU): ${show(byCpu)}`)
		console.info(`timing medians (ms of wall clock): ${show(medians(wall))}`)
		expect(spread(byCpu)).toBeLessThan(MAX_DIFFERENCE)
	}, 120_000)
})
