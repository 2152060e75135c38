/**
 * `bun run start`: the server for real use. Migrates the database; never creates demo data.
 */
// First: sets the mode Elysia reads when it loads.
import './production'
import { loadConfig } from './config'
import { exitOnStartupError, startServer, stopOnSignals } from './run'

try {
	const server = await startServer(loadConfig(process.env))
	stopOnSignals(server)
} catch (error) {
	exitOnStartupError(error)
}
