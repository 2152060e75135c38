/**
 * Secrets at rest: the database files are the server user's alone, and the private signing keys
 * are sealed under KEY_ENCRYPTION_SECRET when one is set.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { createTessera } from '../../src/tessera'
import { serverOptions } from '../helpers/app'
import { runCli } from '../helpers/cli'
import { login } from '../helpers/http'

const SECRET = 'a key-encryption secret of at least 32 bytes'
const OTHER_SECRET = 'another key-encryption secret, 32 bytes or more'
const dirs: string[] = []
const tempDir = () => {
	const dir = mkdtempSync(join(tmpdir(), 'tessera-at-rest-'))
	dirs.push(dir)
	return dir
}
afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const privateJwks = (path: string) => {
	const db = new Database(path, { readonly: true })
	try {
		return db.query<{ private_jwk: string }, []>('SELECT private_jwk FROM tessera_signing_keys').all()
	} finally {
		db.close()
	}
}

describe('sealed signing keys (KEY_ENCRYPTION_SECRET)', () => {
	test('with a secret, the stored private key is AES-GCM sealed, never plain JWK; tokens still verify', async () => {
		const path = join(tempDir(), 'sealed.sqlite')
		const tessera = await createTessera(
			serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET })
		)
		const [row] = privateJwks(path)
		expect(row!.private_jwk.startsWith('sealed:v1:')).toBe(true)
		expect(row!.private_jwk).not.toContain('"d"')
		const { createApp } = await import('../../src/server/app')
		const app = createApp(tessera, { registration: 'open' })
		await tessera.users.create({ username: 'carol', password: 'a long passphrase', scopes: ['profile'] })
		const tokens = await login(
			(p, i) => app.handle(new Request(`http://localhost${p}`, i)),
			'carol',
			'a long passphrase'
		)
		expect(tokens.access_token).toBeString()
		await tessera.store.close()
	})

	test('sealed keys do not open without the secret, nor with another: start-up fails with one clear reason', async () => {
		const path = join(tempDir(), 'sealed.sqlite')
		await (
			await createTessera(serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET }))
		).store.close()
		expect(createTessera(serverOptions({ DATABASE_PATH: path }))).rejects.toThrow(
			'set KEY_ENCRYPTION_SECRET to open them'
		)
		expect(
			createTessera(serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: OTHER_SECRET }))
		).rejects.toThrow('does not open with this key-encryption secret')
	})

	test('keys stored in the clear before a secret was set are sealed at the next start', async () => {
		const path = join(tempDir(), 'plain.sqlite')
		await (await createTessera(serverOptions({ DATABASE_PATH: path }))).store.close()
		expect(privateJwks(path)[0]!.private_jwk.startsWith('{')).toBe(true)
		await (
			await createTessera(serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET }))
		).store.close()
		expect(privateJwks(path).every((row) => row.private_jwk.startsWith('sealed:v1:'))).toBe(true)
	})

	test('`keys reseal --secret-stdin` moves every key to a new secret; the old one no longer opens them', async () => {
		const path = join(tempDir(), 'reseal.sqlite')
		const first = await createTessera(
			serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET })
		)
		await first.keys.rotate()
		await first.store.close()
		const { code, stdout } = await runCli(['keys', 'reseal', '--secret-stdin'], {
			env: { DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET },
			stdin: `${OTHER_SECRET}\n`
		})
		expect(code).toBe(0)
		expect(stdout).toContain('sealed 2 signing key(s)')
		expect(
			createTessera(serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: SECRET }))
		).rejects.toThrow('does not open')
		const after = await createTessera(
			serverOptions({ DATABASE_PATH: path, KEY_ENCRYPTION_SECRET: OTHER_SECRET })
		)
		expect(after.keys.jwks().keys).toHaveLength(2)
		await after.store.close()
	})

	test('docs/contract.md: a key-encryption secret under 32 bytes is a bad setting naming it', async () => {
		const { loadConfig } = await import('../../src/server/config')
		expect(() => loadConfig({ KEY_ENCRYPTION_SECRET: 'short' })).toThrow(
			'KEY_ENCRYPTION_SECRET: must be at least 32 bytes'
		)
	})
})
