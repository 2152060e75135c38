/**
 * `bun run demo`: the server with the contract's demo users, clients and posts, registration open.
 * With WORKERS > 1, the supervisor seeds once and starts the workers (src/server/workers.ts).
 */
// First: sets the mode Elysia reads when it loads.
import './production'
import { databaseLocation, DEMO_DEFAULTS, loadConfig } from './config'
import { DEMO_CLIENTS, DEMO_POSTS, DEMO_USERS, seedDemo } from './seed'
import { exitOnStartupError } from './run'
import { serve } from './serve'

try {
	// The demo's own SQLite file, unless a PostgreSQL database is named (both set is a bad setting).
	const config = loadConfig(
		process.env.DATABASE_URL ? process.env : { DATABASE_PATH: './data/demo.sqlite', ...process.env },
		DEMO_DEFAULTS
	)
	await serve(config, {
		prepare: seedDemo,
		announce: (url) => console.error(banner(url, databaseLocation(config)))
	})
} catch (error) {
	exitOnStartupError(error)
}

/** The URLs, the demo credentials and a first request, for a person at a terminal. */
function banner(url: string, database: string) {
	const lines = [
		'',
		`Tessera demo on ${url}  (database ${database})`,
		`  Swagger UI  ${url}/swagger`,
		`  Metadata    ${url}/.well-known/oauth-authorization-server`,
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
		`  Posts: ${DEMO_POSTS.length} by johndoe (GET ${url}/posts)`,
		'',
		`  curl -s -X POST ${url}/oauth/token -d grant_type=password -d username=johndoe -d password=secret`,
		''
	]
	return lines.join('\n')
}
