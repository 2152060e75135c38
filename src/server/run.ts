/**
 * @module server
 * Runs Tessera: opens the database (migrating it), builds the app, listens, keeps the periodic
 * jobs going and shuts down cleanly on SIGINT/SIGTERM. What stops start-up (a bad setting, a
 * database that cannot be opened, a busy port) is reported in one line, never a stack trace.
 */
import { isProduction } from 'elysia/error'
import { createApp } from './app'
import { ConfigError, databaseLocation, type Config } from './config'
import { prune } from '../maintenance'
import { databaseOption, tesseraOptions } from './options'
import type { ServerScope } from './scopes'
import { openStore } from '../store/open'
import type { Store } from '../store/port'
import { isDriverError } from '../store/postgres/guard'
import { createTessera, type Tessera } from '../tessera'
import { KEY_RELOAD_INTERVAL_SECONDS } from '../tokens/signing-keys'

/**
 * Bun's own cap, set out of the way: what Bun refuses itself is a bare 413 without JSON or our
 * headers. The app refuses every body over its bounds first (src/http/request-limits.ts by the
 * declared length, src/http/body.ts while reading), and Bun never buffers a body nobody reads.
 */
const BUN_MAX_REQUEST_BODY_BYTES = Number.MAX_SAFE_INTEGER

/** Something outside Tessera's settings stopped start-up (the port is taken, say). */
export class StartupError extends Error {
	override name = 'StartupError'
}

export interface RunningServer {
	tessera: Tessera<ServerScope>
	url: string
	stop(): Promise<void>
}

export async function startServer(
	config: Config,
	prepare?: (tessera: Tessera<ServerScope>) => Promise<void>
): Promise<RunningServer> {
	const store = await openConfiguredStore(config)
	let tessera: Tessera<ServerScope>
	let app: ReturnType<typeof createApp>
	try {
		tessera = await createTessera({ ...tesseraOptions(config), database: { store } })
		survivesDriverRejections(tessera)
		await prepare?.(tessera)
		app = listen(createApp(tessera, config), config)
	} catch (error) {
		await store.close()
		throw error
	}
	const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.server!.port}`
	const timers = [
		config.pruneIntervalSeconds > 0 &&
			setInterval(
				() => runJob(tessera, 'prune', async () => tessera.log.info('pruned', { ...(await prune(tessera)) })),
				config.pruneIntervalSeconds * 1000
			),
		// Picks up keys another process (the CLI) rotated.
		setInterval(
			() => runJob(tessera, 'key reload', () => tessera.keys.reload()),
			KEY_RELOAD_INTERVAL_SECONDS * 1000
		)
	].filter((timer) => timer !== false)
	tessera.log.info('listening', {
		url,
		issuer: config.issuer,
		store: store.kind,
		database: store.location,
		jwt_alg: config.jwtAlg,
		// Set by ./production in `bun run start|demo`; shown so an operator can see it took effect.
		production: isProduction
	})

	let stopping: Promise<void> | undefined
	const stop = () =>
		(stopping ??= (async () => {
			for (const timer of timers) clearInterval(timer)
			await app.stop()
			await store.close()
			tessera.log.info('stopped')
		})())
	return { tessera, url, stop }
}

/** The configured database; one that cannot be created, opened or migrated is a bad setting. */
async function openConfiguredStore(config: Config): Promise<Store> {
	try {
		return await openStore(databaseOption(config))
	} catch (error) {
		const [name, where] =
			config.databaseUrl === null
				? ['DATABASE_PATH', config.databasePath]
				: ['DATABASE_URL', databaseLocation(config)]
		// The PostgreSQL driver's messages name no password; the URL is shown without one.
		throw new ConfigError(name, `cannot open ${where} (${oneLine(error)})`)
	}
}

/**
 * docs/contract.md (Running several instances): the process stays up while the store is
 * unreachable. A driver may reject a promise nobody awaits (a connection dropped between queries):
 * that is logged, not fatal. Any other unhandled rejection is a bug and ends the process, as Bun
 * would.
 */
function survivesDriverRejections(tessera: Tessera<ServerScope>) {
	process.on('unhandledRejection', (reason) => {
		const error = oneLine(reason)
		if (isDriverError(reason)) return tessera.log.warn('database connection error', { error })
		tessera.log.error('unhandled rejection', { error })
		process.exit(1)
	})
}

/**
 * Elysia's Bun adapter passes `reusePort: true` unless told otherwise. With SO_REUSEPORT a second
 * server on a busy port starts without a word and the kernel splits the connections between the
 * two (socket(7)), so one worker listens alone and a busy port stops start-up.
 */
function listen(app: ReturnType<typeof createApp>, { port, host }: Config) {
	try {
		return app.listen({
			port,
			hostname: host,
			reusePort: false,
			maxRequestBodySize: BUN_MAX_REQUEST_BODY_BYTES
		})
	} catch (error) {
		switch ((error as { code?: unknown }).code) {
			case 'EADDRINUSE':
				throw new StartupError(`PORT ${port} is already in use on ${host}`)
			case 'EACCES':
				throw new StartupError(`PORT ${port} may not be used by this user on ${host}`)
			case 'EADDRNOTAVAIL':
				throw new StartupError(`HOST ${host} is not an address of this machine`)
			default:
				throw new StartupError(`cannot listen on HOST ${host} PORT ${port} (${oneLine(error)})`)
		}
	}
}

/**
 * For `bun run start` and `bun run demo`: what stopped start-up, in one line on stderr, and exit
 * status 1. docs/contract.md: "Bad settings stop start-up with one clear line naming the variable".
 */
export function exitOnStartupError(error: unknown): never {
	console.error(
		error instanceof ConfigError
			? `tessera: bad setting ${oneLine(error)}`
			: error instanceof StartupError
				? `tessera: ${oneLine(error)}`
				: `tessera: start-up failed: ${error instanceof Error ? `${error.name}: ` : ''}${oneLine(error)}`
	)
	process.exit(1)
}

const oneLine = (error: unknown) =>
	(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim()

/** Stops on SIGINT/SIGTERM: in-flight requests finish, the database closes, the process exits. */
export function stopOnSignals(server: RunningServer) {
	for (const signal of ['SIGINT', 'SIGTERM'] as const)
		process.once(signal, () => {
			server.tessera.log.info('shutting down', { signal })
			server.stop().then(() => process.exit(0))
		})
}

async function runJob(tessera: Tessera<ServerScope>, name: string, job: () => unknown) {
	try {
		await job()
	} catch (error) {
		tessera.log.error(`${name} failed`, { error: error instanceof Error ? error.message : String(error) })
	}
}
