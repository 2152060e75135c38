/**
 * The signing reference of `bun run bench`: raw jose `SignJWT` throughput on an imported
 * CryptoKey, with the header and claims of a Tessera access token (RFC 9068: `typ` at+jwt, `kid`,
 * iss, aud, sub, client_id, scope, sid, jti, exp, iat), as many signatures in flight as the
 * refresh run has connections. Run it pinned to the server's core: Bun signs on its crypto
 * threads, which inherit the pinning, as the server's do. The refresh grant does this and more
 * (a store write, the form, the JSON answer), so its rate is read as a fraction of this one.
 *
 * The algorithm is the server's, read from the same environment (JWT_ALG; HS256 when JWT_SECRET
 * is set); BENCH_SECONDS, BENCH_RUNS and BENCH_SIGN_CONCURRENCY set the runs. Prints one JSON
 * line: `{"alg": …, "concurrency": n, "perSecond": [...]}`.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose'
import type { AsymmetricAlgorithm } from '../src/options'
import { loadConfig } from '../src/server/config'
import { hs256Kid } from '../src/tokens/secret-kid'

const config = loadConfig(process.env)
const alg = config.jwtAlg
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const concurrency = Number(process.env.BENCH_SIGN_CONCURRENCY ?? 64)
const issuer = config.issuer

// As the KeyStore holds its key: generated, exported to a JWK (the stored form), imported once;
// or the secret's bytes.
async function signingKey(): Promise<{ key: CryptoKey | Uint8Array; kid: string }> {
	if (config.jwtSecret !== null) {
		const key = new TextEncoder().encode(config.jwtSecret)
		return { key, kid: hs256Kid(key) }
	}
	const asymmetric = alg as AsymmetricAlgorithm
	const { privateKey, publicKey } = await generateKeyPair(asymmetric, { extractable: true })
	return {
		key: (await importJWK(await exportJWK(privateKey), asymmetric)) as CryptoKey,
		kid: await calculateJwkThumbprint(await exportJWK(publicKey))
	}
}
const { key, kid } = await signingKey()

const sign = () =>
	new SignJWT({
		aud: config.audience,
		iss: issuer,
		jti: crypto.randomUUID(),
		sub: '42',
		client_id: 'default',
		scope: 'profile posts:read posts:write',
		sid: crypto.randomUUID()
	})
		.setProtectedHeader({ alg, kid, typ: 'at+jwt' })
		.setExpirationTime(Math.floor(Date.now() / 1000) + 900)
		.setIssuedAt(new Date())
		.sign(key)

async function signsPerSecond(durationMs: number): Promise<number> {
	let done = 0
	const started = performance.now()
	const deadline = started + durationMs
	const worker = async () => {
		while (performance.now() < deadline) {
			await sign()
			done++
		}
	}
	await Promise.all(Array.from({ length: concurrency }, worker))
	return done / ((performance.now() - started) / 1000)
}

await signsPerSecond(500) // warm-up
const perSecond: number[] = []
for (let run = 0; run < runs; run++) perSecond.push(await signsPerSecond(seconds * 1000))
console.log(JSON.stringify({ alg, concurrency, perSecond }))
