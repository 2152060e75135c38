/**
 * `bun run start`: the server for real use. Migrates the database; never creates demo data.
 * With WORKERS > 1, the supervisor of that many server processes (src/server/workers.ts).
 */
// First: sets the mode Elysia reads when it loads.
import './production'
import { loadConfig } from './config'
import { exitOnStartupError } from './run'
import { serve } from './serve'

try {
	await serve(loadConfig(process.env))
} catch (error) {
	exitOnStartupError(error)
}
