/**
 * @module server
 * Runs Tessera: opens the database (migrating it), builds the app, listens, keeps the periodic
 * jobs going and shuts down cleanly on SIGINT/SIGTERM.
 */
import { isProduction } from 'elysia/error'
import { createApp } from './app'
import type { Config } from './config'
import { prune } from './maintenance'
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
				() => runJob(tessera, 'prune', () => tessera.log.info('pruned', { ...prune(tessera) })),
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
		database: config.databasePath,
		jwt_alg: config.jwtAlg,
		// Set by ./production in `bun run start|demo`; shown so an operator can see it took effect.
		production: isProduction
	})

	let stopping: Promise<void> | undefined
	const stop = () =>
		(stopping ??= (async () => {
			for (const timer of timers) clearInterval(timer)
			await app.stop()
			tessera.db.$client.close()
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

async function runJob(tessera: Tessera, name: string, job: () => unknown) {
	try {
		await job()
	} catch (error) {
		tessera.log.error(`${name} failed`, { error: error instanceof Error ? error.message : String(error) })
	}
}
