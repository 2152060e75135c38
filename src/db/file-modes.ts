/**
 * @module db/file-modes
 * The SQLite file holds password hashes, token hashes and the signing keys' private JWKs: only
 * the account the server runs as may read it (CWE-732). SQLite creates files 0644 less the umask,
 * and its -wal, -shm and -journal files with the mode of the database file; so the file is
 * created 0600 before SQLite opens it, and every one of them is set to 0600 after.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

const OWNER_ONLY_FOLDER = 0o700
const OWNER_ONLY_FILE = 0o600

/** Before SQLite opens `path`: its missing folders created 0700 (existing ones are left alone), the file 0600. */
export function prepareDatabaseFile(path: string): void {
	mkdirSync(dirname(path), { recursive: true, mode: OWNER_ONLY_FOLDER })
	// 'a' creates the file if missing and never truncates one that exists.
	closeSync(openSync(path, 'a', OWNER_ONLY_FILE))
	restrictDatabaseFiles(path)
}

/** The database and its companions 0600, also when an earlier version left them readable. */
export function restrictDatabaseFiles(path: string): void {
	for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`])
		try {
			chmodSync(file, OWNER_ONLY_FILE)
		} catch (error) {
			// Not there (no WAL yet, no journal), or owned by another account that lets us write
			// it: then its owner decides, as before.
			const code = (error as NodeJS.ErrnoException).code
			if (code !== 'ENOENT' && code !== 'EPERM') throw error
		}
}
