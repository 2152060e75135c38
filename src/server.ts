/**
 * @module server
 * Runs Tessera: opens the database (migrating it), builds the app, listens, keeps the periodic
 * jobs going and shuts down cleanly on SIGINT/SIGTERM.
 */
import { createApp } from './app'
import type { Config } from './config'
import { prune } from './maintenance'
import { isDriverError } from './store/postgres/guard'
import { createTessera, type Tessera } from './tessera'
import { KEY_RELOAD_INTERVAL_SECONDS } from './tokens/signing-keys'

/** Bun's own cap, above every per-endpoint bound; those give the precise 413. */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024

export interface RunningServer {
	tessera: Tessera
	url: string
	stop(): Promise<void>
}

export async function startServer(
	config: Config,
	prepare?: (tessera: Tessera) => Promise<void>
): Promise<RunningServer> {
	const tessera = await createTessera({ config })
	survivesDriverRejections(tessera)
	await prepare?.(tessera)
	const app = createApp(tessera).listen({
		port: config.port,
		hostname: config.host,
		maxRequestBodySize: MAX_REQUEST_BODY_BYTES
	})
	const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.server!.port}`
	const timers = [
		config.pruneIntervalSeconds > 0 &&
			setInterval(
				() =>
					runJob(tessera, 'prune', async () =>
						tessera.log.info('pruned', { ...(await prune(tessera)) })
					),
				config.pruneIntervalSeconds * 1000
			),
		// Picks up keys another process (the CLI) rotated.
		setInterval(
			() => runJob(tessera, 'key reload', () => tessera.keys.reload()),
			KEY_RELOAD_INTERVAL_SECONDS * 1000
		)
	].filter((timer) => timer !== false)
	tessera.log.info('listening', { url, database: tessera.store.location, jwt_alg: config.jwtAlg })

	let stopping: Promise<void> | undefined
	const stop = () =>
		(stopping ??= (async () => {
			for (const timer of timers) clearInterval(timer)
			await app.stop()
			await tessera.store.close()
			tessera.log.info('stopped')
		})())
	return { tessera, url, stop }
}

/** Stops on SIGINT/SIGTERM: in-flight requests finish, the database closes, the process exits. */
export function stopOnSignals(server: RunningServer) {
	for (const signal of ['SIGINT', 'SIGTERM'] as const)
		process.once(signal, () => {
			server.tessera.log.info('shutting down', { signal })
			server.stop().then(() => process.exit(0))
		})
}

/**
 * docs/contract.md (Running several instances): the process stays up while the store is
 * unreachable. A driver may reject a promise nobody awaits (a connection dropped between queries);
 * that is logged, not fatal. Any other unhandled rejection is a bug and ends the process as Bun
 * would.
 */
function survivesDriverRejections(tessera: Tessera) {
	process.on('unhandledRejection', (reason) => {
		const error = reason instanceof Error ? reason.message : String(reason)
		if (isDriverError(reason)) return tessera.log.warn('database connection error', { error })
		tessera.log.error('unhandled rejection', { error })
		process.exit(1)
	})
}

async function runJob(tessera: Tessera, name: string, job: () => unknown) {
	try {
		await job()
	} catch (error) {
		tessera.log.error(`${name} failed`, { error: error instanceof Error ? error.message : String(error) })
	}
}
