/**
 * The cost of the revocation check on the bearer hot path: the prepared primary-key lookups of
 * the session and its user that every authenticated request makes, measured alone and
 * against the whole authentication (signature verification included).
 *
 *     bun bench/revocation-check.ts
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/server/config'
import { tesseraOptions } from '../src/server/options'
import { createTessera } from '../src/tessera'
import { AccessTokenVerifier } from '../src/tokens/access-token'

const tessera = await createTessera(
	tesseraOptions(
		loadConfig({
			// A file, as in production: a read of a WAL file shared with other processes takes file locks.
			DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'tessera-revocation-')), 'bench.sqlite'),
			LOG_LEVEL: 'silent'
		})
	)
)
const user = await tessera.users.create({
	username: 'bench',
	password: 'bench-password',
	scopes: ['profile']
})
const { session } = await tessera.sessions.startUserSession(user.id, 'default', 'profile', true)
const token = await tessera.keys.sign({
	sub: String(user.id),
	client_id: 'default',
	scope: 'profile',
	sid: session.id,
	jti: 'bench',
	exp: Math.floor(Date.now() / 1000) + 900
})
const authorization = `Bearer ${token}`

async function perOp(label: string, iterations: number, op: () => unknown) {
	for (let i = 0; i < iterations / 10; i++) await op()
	const start = Bun.nanoseconds()
	for (let i = 0; i < iterations; i++) await op()
	const micros = (Bun.nanoseconds() - start) / iterations / 1000
	console.log(`${label.padEnd(50)} ${micros.toFixed(2)} µs/op`)
	return micros
}

const lookup = await perOp('session lookup (revocation check)', 200_000, () =>
	tessera.sessions.find(session.id)
)
const whole = await perOp('authenticate(), token verified before (cached)', 20_000, () =>
	tessera.authenticator.authenticate(authorization)
)
await perOp('signature verification alone, uncached (RS256)', 2_000, () =>
	new AccessTokenVerifier(tessera.keys, tessera.settings, tessera.clock).verify(token)
)
console.log(`revocation check share of authentication: ${((lookup / whole) * 100).toFixed(1)} %`)
