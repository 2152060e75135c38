/**
 * `bun run start`: the server for real use. Migrates the database; never creates demo data.
 */
// First: sets the mode Elysia reads when it loads.
import './production'
import { ConfigError, loadConfig } from './config'
import { startServer, stopOnSignals } from './server'

try {
	const server = await startServer(loadConfig(process.env))
	stopOnSignals(server)
} catch (error) {
	if (!(error instanceof ConfigError)) throw error
	console.error(`tessera: bad setting ${error.message}`)
	process.exit(1)
}
