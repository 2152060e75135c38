/**
 * @module maintenance
 * Pruning of what has outlived its use: sessions past their end, refresh tokens past their life,
 * signing keys whose last token has expired, stale throttle rows. Run by the server every
 * PRUNE_INTERVAL seconds and by `bun run cli -- db prune`.
 */
import type { Tessera } from './tessera'

export interface PruneResult {
	sessions: number
	refreshTokens: number
	signingKeys: number
	throttleRows: number
}

export async function prune(
	{ sessions, keys, throttle, clock }: Pick<Tessera, 'sessions' | 'keys' | 'throttle' | 'clock'>,
	now = clock()
): Promise<PruneResult> {
	const pruned = await sessions.prune(now)
	return {
		...pruned,
		signingKeys: await keys.prune(now),
		throttleRows: await throttle.prune(now)
	}
}
