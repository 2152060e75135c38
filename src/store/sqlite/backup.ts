/**
 * @module store/sqlite/backup
 * An online copy of a SQLite database with `VACUUM INTO`: it reads one snapshot in one read
 * transaction, so the copy is consistent while the server goes on writing (in WAL mode readers and
 * the writer do not block each other), it includes what is still only in the WAL, and it is a
 * compact, self-contained database file that opens as it is.
 */
import type { Database } from 'bun:sqlite'
import { closeSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs'

const CREATE_ERRORS: Record<string, string> = {
	ENOENT: 'its folder does not exist',
	EACCES: 'permission denied',
	EISDIR: 'it is a folder'
}

/** Writes the copy to `file`, which must not exist yet; returns its size in bytes. */
export function backupSqlite(db: Database, file: string): number {
	// Created here, exclusively and private: no existing file is ever overwritten (nor one that
	// appears between a check and the write), and the password hashes and signing keys in the copy
	// are readable by this user only from the first byte. SQLite writes into an empty file.
	let fd: number
	try {
		fd = openSync(file, 'wx', 0o600)
	} catch (error) {
		const { code } = error as NodeJS.ErrnoException
		if (code === 'EEXIST') throw new Error(`${file} already exists; give a new file name`)
		throw new Error(`cannot create ${file}: ${CREATE_ERRORS[code ?? ''] ?? (error as Error).message}`)
	}
	closeSync(fd)
	try {
		db.query('VACUUM INTO ?').run(file)
		// VACUUM INTO does not sync what it wrote; a backup must be on disk before it is reported done.
		const written = openSync(file, 'r+')
		try {
			fsyncSync(written)
		} finally {
			closeSync(written)
		}
		return statSync(file).size
	} catch (error) {
		rmSync(file, { force: true })
		throw error
	}
}
