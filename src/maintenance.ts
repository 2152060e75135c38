/**
 * @module maintenance
 * Pruning of what has outlived its use: sessions past their end, refresh tokens past their life,
 * signing keys whose last token has expired, stale throttle rows. Run by the server every
 * PRUNE_INTERVAL seconds and by `bun run cli -- db prune`.
 */
import { lte } from 'drizzle-orm'
import { nowSeconds } from './db/client'
import { signingKeys } from './db/schema'
import type { Tessera } from './tessera'

export interface PruneResult {
	sessions: number
	refreshTokens: number
	signingKeys: number
	throttleRows: number
}

export function prune(tessera: Tessera, now = nowSeconds()): PruneResult {
	const { sessions, refreshTokens } = tessera.sessions.prune(now)
	const keys = tessera.db
		.delete(signingKeys)
		.where(lte(signingKeys.expiresAt, now))
		.returning({ kid: signingKeys.kid })
		.all().length
	return { sessions, refreshTokens, signingKeys: keys, throttleRows: tessera.throttle.prune(now) }
}
