/**
 * Started by a --parallel test worker (tests/helpers/postgres.ts) with `bun reaper.ts <pid>` and a
 * pipe for standard input that the worker never writes to: the pipe ends when the worker does,
 * however it ends, and then this drops the PostgreSQL databases the worker made.
 */
import { dropDatabasesOf } from './postgres'

// Ctrl-C reaches the whole process group: this outlives the worker, to clean up after it.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {})
await Bun.stdin.text()
await dropDatabasesOf(Number(process.argv[2]))
