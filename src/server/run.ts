/**
 * @module server
 * Runs Tessera: opens the database (migrating it), builds the app, listens, keeps the periodic
 * jobs going and shuts down cleanly on SIGINT/SIGTERM. What stops start-up (a bad setting, a
 * database that cannot be opened, a busy port) is reported in one line, never a stack trace.
 */
import { isProduction } from 'elysia/error'
import { createApp } from './app'
import { ConfigError, databaseLocation, type Config } from './config'
import { createLogger, type Logger } from '../http/logger'
import { prune } from '../maintenance'
import { migrateServerTables } from './modules/posts/store'
import { databaseOption, tesseraOptions } from './options'
import type { ServerScope } from './scopes'
import { openStore } from '../store/open'
import type { Store } from '../store/port'
import { isDriverError } from '../store/postgres/guard'
import { createTessera, type Tessera } from '../tessera'

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

export type Prepare = (tessera: Tessera<ServerScope>) => Promise<void>

/** One of several processes sharing the port (src/server/workers.ts), numbered from 1. */
export interface WorkerRole {
	worker: number
}

export async function startServer(config: Config, prepare?: Prepare, role?: WorkerRole): Promise<RunningServer> {
	const store = await openConfiguredStore(config)
	let tessera: Tessera<ServerScope>
	let app: ReturnType<typeof createApp>
	try {
		const logger = role ? createLogger(config.logLevel, undefined, { worker: role.worker }) : config.logLevel
		tessera = await createTessera({ ...tesseraOptions(config), logger, database: { store } })
		// Each worker counts for itself; its series say which one it is.
		if (role) tessera.metrics.labels = { worker: String(role.worker) }
		await prepare?.(tessera)
		app = listen(createApp(tessera, config), config, role !== undefined)
	} catch (error) {
		await store.close()
		throw error
	}
	const url = serverUrl(config, app.server!.port!)
	const timers = [
		// Once per machine is enough: every worker would delete the same rows in turn.
		config.pruneIntervalSeconds > 0 &&
			(role === undefined || role.worker === 1) &&
			setInterval(
				() => runJob(tessera, 'prune', async () => tessera.log.info('pruned', { ...(await prune(tessera)) })),
				config.pruneIntervalSeconds * 1000
			),
		// Picks up keys another process (the CLI) rotated.
		setInterval(
			() => runJob(tessera, 'key reload', () => tessera.keys.reload()),
			config.keyReloadIntervalSeconds * 1000
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

/**
 * What a supervisor does once before it starts its workers: migrates the database, creates the
 * first signing key, and runs `prepare` (the demo's seed), so that workers starting together find
 * all of it done instead of racing to do it.
 */
export async function prepareDatabase(config: Config, log: Logger, prepare?: Prepare): Promise<void> {
	const store = await openConfiguredStore(config)
	try {
		const tessera = await createTessera({ ...tesseraOptions(config), logger: log, database: { store } })
		await prepare?.(tessera)
	} finally {
		await store.close()
	}
}

/**
 * Binds the port alone for a moment and lets it go: the workers bind it with SO_REUSEPORT, which
 * would let them share a port an unrelated process already holds with it set, and split its
 * connections (socket(7)); a busy port stops start-up here instead. Returns the bound port, which
 * PORT=0 leaves to the kernel and every worker must then be told.
 */
export function probePort(config: Config): number {
	const probe = bind(config, () =>
		Bun.serve({ port: config.port, hostname: config.host, reusePort: false, fetch: () => new Response() })
	)
	const port = probe.port!
	probe.stop(true)
	return port
}

export const serverUrl = (config: Config, port: number) =>
	`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

/** The configured database; one that cannot be created, opened or migrated is a bad setting. */
async function openConfiguredStore(config: Config): Promise<Store> {
	let store: Store | undefined
	try {
		store = await openStore(databaseOption(config))
		// The server app's own tables (posts) too, before any request needs them.
		await migrateServerTables(store)
		return store
	} catch (error) {
		await store?.close()
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
 * would. For the processes of `bun run start|demo` only (a test or a host app keeps its own policy).
 */
export function survivesDriverRejections(tessera: Tessera<ServerScope>) {
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
 * two (socket(7)), so a lone server listens without it and a busy port stops start-up. Workers
 * share the port with it on purpose, after their supervisor has probed it (probePort).
 */
function listen(app: ReturnType<typeof createApp>, config: Config, reusePort: boolean) {
	return bind(config, () =>
		app.listen({
			port: config.port,
			hostname: config.host,
			reusePort,
			maxRequestBodySize: BUN_MAX_REQUEST_BODY_BYTES
		})
	)
}

/** Runs `listen`, turning what the OS refused into a one-line StartupError. */
function bind<T>({ port, host }: Config, listen: () => T): T {
	try {
		return listen()
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
