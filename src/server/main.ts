/**
 * `bun run start`: the server for real use. Migrates the database; never creates demo data.
 * With WORKERS > 1, the supervisor of that many server processes (src/server/workers.ts).
 */
import { loadConfig } from './config'
import { exitOnStartupError } from './run'
import { serve } from './serve'

try {
	await serve(loadConfig(process.env))
} catch (error) {
	exitOnStartupError(error)
}
