/**
 * @module store/migrations
 * Where a folder of SQL migrations (drizzle/<name>/) is. From the repository and from an
 * installed package it is beside src/. A `bun build --compile` executable has no folder beside
 * it: its build embeds drizzle/ at the root of the executable's own file system
 * (scripts/build.ts), which is the directory every bundled module sees as import.meta.dir.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export function migrationsFolder(name: string): string {
	// The embedded place first: from source it does not exist (src/store has no drizzle/ folder),
	// and a compiled executable never looks outside itself.
	const candidates = [join(import.meta.dir, 'drizzle', name), join(import.meta.dir, '../../drizzle', name)]
	const folder = candidates.find((candidate) => existsSync(join(candidate, 'meta/_journal.json')))
	if (folder === undefined)
		throw new Error(
			`the migrations drizzle/${name} are missing (a compiled executable must embed drizzle/)`
		)
	return folder
}
