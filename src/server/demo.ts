/**
 * `bun run demo`: the server with the contract's demo users, clients and posts, registration open.
 */
// First: sets the mode Elysia reads when it loads.
import './production'
import { DEMO_DEFAULTS, loadConfig } from './config'
import { DEMO_CLIENTS, DEMO_POSTS, DEMO_USERS, seedDemo } from './seed'
import { exitOnStartupError, startServer, stopOnSignals } from './run'

try {
	// The demo's own SQLite file, unless a PostgreSQL database is named (both set is a bad setting).
	const config = loadConfig(
		process.env.DATABASE_URL ? process.env : { DATABASE_PATH: './data/demo.sqlite', ...process.env },
		DEMO_DEFAULTS
	)
	const server = await startServer(config, seedDemo)
	stopOnSignals(server)
	const lines = [
		'',
		`Tessera demo on ${server.url}  (database ${server.tessera.store.location})`,
		`  Swagger UI  ${server.url}/swagger`,
		`  Metadata    ${server.url}/.well-known/oauth-authorization-server`,
		'  Users:',
		...DEMO_USERS.map(
			(u) =>
				`    ${u.username.padEnd(8)} / ${u.password.padEnd(13)} ${u.disabled ? '(disabled)' : u.scopes.join(' ')}`
		),
		'  Clients:',
		'    default (public, no secret) password refresh_token',
		...DEMO_CLIENTS.map(
			(c) => `    ${c.id} / ${c.secret}  ${c.grants.join(' ')}  [${c.scopes.join(' ')}]`
		),
		`  Posts: ${DEMO_POSTS.length} by johndoe (GET ${server.url}/posts)`,
		'',
		`  curl -s -X POST ${server.url}/oauth/token -d grant_type=password -d username=johndoe -d password=secret`,
		''
	]
	console.error(lines.join('\n'))
} catch (error) {
	exitOnStartupError(error)
}
