/**
 * The SQLite file holds password hashes, token hashes and the signing keys' private JWKs
 * (README: protect it like a private key). Only the account the server runs as may read it:
 * a data folder Tessera creates is 0700, the database and its -wal and -shm files are 0600
 * (CWE-732), whatever the umask, and a database left readable by an earlier version is fixed.
 */
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTessera } from '../../src/tessera'
import { serverOptions } from '../helpers/app'

const root = mkdtempSync(join(tmpdir(), 'tessera-modes-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)
const open = (path: string) => createTessera(serverOptions({ DATABASE_PATH: path }))

describe('database file modes (CWE-732; README: protect the SQLite file like a private key)', () => {
	test('a new database: the folders created for it 0700, the file, -wal and -shm 0600, even with umask 000', async () => {
		const path = join(root, 'fresh', 'data', 'tessera.sqlite')
		const umask = process.umask(0)
		try {
			const tessera = await open(path)
			for (const file of [path, `${path}-wal`, `${path}-shm`]) {
				expect(existsSync(file)).toBe(true)
				expect({ file, mode: modeOf(file) }).toEqual({ file, mode: '600' })
			}
			expect(modeOf(join(root, 'fresh'))).toBe('700')
			expect(modeOf(join(root, 'fresh', 'data'))).toBe('700')
			await tessera.store.close()
		} finally {
			process.umask(umask)
		}
	})

	test('an existing database left world-readable (0644) with its -wal and -shm is made 0600 at open; an existing folder keeps its mode', async () => {
		const folder = join(root, 'old')
		const path = join(folder, 'tessera.sqlite')
		await (await open(path)).store.close()
		chmodSync(folder, 0o755)
		// Another connection keeps the -wal and -shm files in place.
		const other = new Database(path)
		other.exec('PRAGMA journal_mode = WAL')
		other.exec('CREATE TABLE IF NOT EXISTS t (x)')
		for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644)

		const tessera = await open(path)
		for (const file of [path, `${path}-wal`, `${path}-shm`])
			expect({ file, mode: modeOf(file) }).toEqual({ file, mode: '600' })
		expect(modeOf(folder)).toBe('755')
		await tessera.store.close()
		other.close()
	})
})
