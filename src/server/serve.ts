/**
 * @module server/serve
 * What `bun run start` and `bun run demo` do once their settings are read: serve alone
 * (WORKERS=1), supervise WORKERS processes of the same entry, or be one of them.
 */
import type { Config } from './config'
import { startServer, stopOnSignals, survivesDriverRejections, type Prepare } from './run'
import { runWorker, supervise, workerNumber, WorkerStartError } from './workers'

export interface ServeOptions {
	/** Run once on the database before serving (the demo's seed); never in a worker. */
	prepare?: Prepare
	/** Called once the server answers on `url`; never in a worker. */
	announce?: (url: string) => void
}

export async function serve(config: Config, { prepare, announce }: ServeOptions = {}): Promise<void> {
	const worker = workerNumber()
	if (worker !== null) return runWorker(config, worker)
	if (config.workers > 1) return superviseOrExit(config, { prepare, announce })
	const server = await startServer(config, prepare)
	survivesDriverRejections(server.tessera)
	stopOnSignals(server)
	announce?.(server.url)
}

async function superviseOrExit(config: Config, options: ServeOptions) {
	try {
		await supervise(config, options)
	} catch (error) {
		// A worker that stopped start-up with exit status 1 has said why in its one line on stderr.
		if (error instanceof WorkerStartError && error.code === 1) process.exit(1)
		throw error
	}
}
