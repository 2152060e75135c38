/**
 * @module store/sqlite/freshness
 * A counter every process on one SQLite file shares, so that memory can prove itself current.
 * It lives in a small file beside the database, mapped into each process (Bun.mmap maps shared),
 * and moves with `Atomics.add` (a plain `++` loses increments across processes). Every write that
 * can make a session or its account less valid moves it before it starts and after it commits:
 *
 * - a reader takes the counter before it reads the store, and tags what it keeps with it;
 * - what it keeps is used only while the counter still has that value.
 *
 * A reader that read during a revoking write tagged its entry with a value the write has moved
 * past by the time it answers, and an entry from before the write was stale from the write's first
 * move. So no request that arrives after a revocation has answered can be served from memory that
 * predates it: the bound is zero, across every process on this machine (server workers, the CLI).
 * The cost of asking is one shared-memory read (~25 ns).
 */
import { closeSync, existsSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs'
import type { Freshness } from '../port'

/** Bun crashes on a mapped file that shrinks; the file is made whole once and never truncated. */
const FILE_BYTES = 8


/** For `:memory:`: no other process can write, so a counter in this process is exact. */
export function localFreshness(): Freshness {
	let value = 0
	return {
		current: () => value,
		bump: () => void value++
	}
}

/** The shared counter of the database at `path` (`<path>-fresh`, mode 0600 like the database). */
export function sharedFreshness(path: string): Freshness {
	const file = `${path}-fresh`
	if (!existsSync(file)) createWhole(file)
	const counter = new Int32Array(Bun.mmap(file).buffer, 0, 1)
	return {
		current: () => Atomics.load(counter, 0),
		bump: () => void Atomics.add(counter, 0, 1)
	}
}

/** Written under a temporary name and linked into place, so no process ever maps a short file. */
function createWhole(file: string) {
	const temporary = `${file}.${process.pid}.${crypto.randomUUID()}`
	const fd = openSync(temporary, 'wx', 0o600)
	try {
		writeSync(fd, new Uint8Array(FILE_BYTES))
	} finally {
		closeSync(fd)
	}
	try {
		linkSync(temporary, file)
	} catch (error) {
		// Another process linked its own first: that one is as good.
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
	} finally {
		unlinkSync(temporary)
	}
}
