/**
 * The benchmark's database, built through the library before the server starts: users with
 * Argon2 hashes at the configured parameters, and access and refresh tokens minted the way the
 * token endpoint mints them (a session each), written to files the wrk scripts read.
 */
import { loadConfig } from '../src/server/config'
import { tesseraOptions } from '../src/server/options'
import { DEFAULT_CLIENT_ID } from '../src/oauth/clients'
import { issueTokens } from '../src/oauth/token/response'
import type { ServerScope } from '../src/server/scopes'
import { createTessera, type Tessera } from '../src/tessera'

export const BENCH_SCOPE = 'profile posts:read posts:write'

export interface BenchUser {
	id: number
	username: string
	password: string
}

export interface Seeded {
	tessera: Tessera<ServerScope>
	users: BenchUser[]
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

/** `count` access tokens, each of its own session, users in rotation; signed in parallel. */
export function mintAccessTokens({ tessera, users }: Seeded, count: number): Promise<string[]> {
	return Promise.all(
		Array.from({ length: count }, async (_, i) => {
			const user = users[i % users.length]!
			const { session } = await tessera.sessions.startUserSession(
				user.id,
				DEFAULT_CLIENT_ID,
				BENCH_SCOPE,
				false
			)
			return (await issueTokens(tessera, session, BENCH_SCOPE, null)).access_token
		})
	)
}

/** `count` unused refresh tokens, each of its own session, users in rotation. */
export async function mintRefreshTokens({ tessera, users }: Seeded, count: number): Promise<string[]> {
	const tokens: string[] = []
	for (let i = 0; i < count; i++) {
		const user = users[i % users.length]!
		tokens.push((await tessera.sessions.startUserSession(user.id, DEFAULT_CLIENT_ID, BENCH_SCOPE, true)).refreshToken!)
	}
	return tokens
}
