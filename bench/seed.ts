/**
 * The benchmark's database, built through the library before the server starts: users with
 * Argon2 hashes at the configured parameters, and access and refresh tokens minted the way the
 * token endpoint mints them, written to files the wrk scripts read. The store is whichever the
 * environment selects (DATABASE_PATH or DATABASE_URL).
 */
import { loadConfig } from '../src/server/config'
import { tesseraOptions } from '../src/server/options'
import { DEFAULT_CLIENT_ID } from '../src/oauth/clients'
import { issueTokens } from '../src/oauth/token/response'
import type { ServerScope } from '../src/server/scopes'
import type { SessionRow } from '../src/store/port'
import { createTessera, type Tessera } from '../src/tessera'

export const BENCH_SCOPE = 'profile posts:read posts:write'

/**
 * Tasks in flight at once while minting: enough to keep Bun's crypto threads (one per core) and a
 * PostgreSQL pool busy, without a hundred thousand pending promises.
 */
const IN_FLIGHT = 64

export interface BenchUser {
	id: number
	username: string
	password: string
}

export interface Seeded {
	tessera: Tessera<ServerScope>
	users: BenchUser[]
}

/** `task(0 … count-1)`, at most `IN_FLIGHT` at once, results in order. */
export async function inParallel<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
	const results = new Array<T>(count)
	let next = 0
	const worker = async () => {
		while (next < count) {
			const i = next++
			results[i] = await task(i)
		}
	}
	await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, worker))
	return results
}

export async function seedUsers(env: Record<string, string | undefined>, count: number): Promise<Seeded> {
	const tessera = await createTessera({ ...tesseraOptions(loadConfig(env)), logger: 'silent' })
	const users = await Promise.all(
		Array.from({ length: count }, async (_, i) => {
			const username = `bench-user-${String(i).padStart(4, '0')}`
			const password = `bench-password-${i}`
			const user = await tessera.users.create({
				username,
				password,
				scopes: ['profile', 'posts:read', 'posts:write']
			})
			return { id: user.id, username, password }
		})
	)
	return { tessera, users }
}

/** `count` sessions of the users in rotation, as password logins start them. */
export function startSessions({ tessera, users }: Seeded, count: number): Promise<SessionRow[]> {
	return inParallel(count, async (i) => {
		const user = users[i % users.length]!
		return (await tessera.sessions.startUserSession(user.id, DEFAULT_CLIENT_ID, BENCH_SCOPE, false))
			.session
	})
}

/**
 * `count` distinct access tokens, token `i` of session `i % sessions.length`: with as many
 * sessions as tokens each has its own, as after that many logins. Signed in parallel: RS256
 * signing (~0.6 ms) is nearly all of the cost, and Bun runs it on a thread per core.
 */
export function mintAccessTokens(
	{ tessera }: Seeded,
	count: number,
	sessions: SessionRow[]
): Promise<string[]> {
	return inParallel(
		count,
		async (i) =>
			(await issueTokens(tessera, sessions[i % sessions.length]!, BENCH_SCOPE, null)).access_token
	)
}

/** `count` unused refresh tokens, each of its own session, users in rotation. */
export function mintRefreshTokens({ tessera, users }: Seeded, count: number): Promise<string[]> {
	return inParallel(count, async (i) => {
		const user = users[i % users.length]!
		return (await tessera.sessions.startUserSession(user.id, DEFAULT_CLIENT_ID, BENCH_SCOPE, true))
			.refreshToken!
	})
}
