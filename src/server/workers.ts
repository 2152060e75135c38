/**
 * @module server/workers
 * WORKERS > 1: `bun run start|demo` becomes a supervisor of that many server processes of the same
 * entry, which share the port with SO_REUSEPORT (Linux: the kernel spreads new connections over
 * them) and the SQLite file (WAL, and the freshness counter beside it, so a revocation in one is
 * seen by every other at its next request). The supervisor serves no HTTP. It:
 *
 * - migrates the database and seeds it (demo) once, so workers starting together race for nothing;
 * - probes the port alone first: SO_REUSEPORT would let workers share a port an unrelated process
 *   already holds, and split its connections, without a word;
 * - restarts a worker that dies, after a back-off that grows while it keeps dying;
 * - on SIGTERM/SIGINT stops every worker (each finishes its in-flight requests) and exits 0;
 * - writes every worker's stdout to its own in whole lines: many processes writing log batches
 *   larger than PIPE_BUF (4 KiB) to one pipe would interleave inside lines.
 */
import type { Subprocess } from 'bun'
import type { Config } from './config'
import { createLogger } from '../http/logger'
import { prepareDatabase, probePort, serverUrl, startServer, survivesDriverRejections, type Prepare } from './run'

/** Set in a worker's environment to its number; the IPC channel proves a supervisor set it. */
export const WORKER_ENV = 'TESSERA_WORKER'

/** A dead worker is restarted after this, doubled for each death in a row, up to RESTART_MAX_MS. */
const RESTART_MIN_MS = 100
const RESTART_MAX_MS = 10_000
/** A worker that served this long before it died starts over from RESTART_MIN_MS. */
const STABLE_MS = 10_000
/** Time a stopping worker gets to finish its requests and close the database, then SIGKILL. */
const STOP_GRACE_MS = 15_000

type Message = { listening: string }

/** This process's worker number, or null when no supervisor started it as a worker. */
export function workerNumber(env: Record<string, string | undefined> = process.env): number | null {
	const value = env[WORKER_ENV]
	// Without the IPC channel a stray variable would make a lone server share its port unprobed.
	if (value === undefined || process.send === undefined) return null
	const n = Number(value)
	return Number.isSafeInteger(n) && n >= 1 ? n : null
}

/** A worker: listens with SO_REUSEPORT, tells the supervisor, stops when told or orphaned. */
export async function runWorker(config: Config, worker: number): Promise<void> {
	const server = await startServer(config, undefined, { worker })
	survivesDriverRejections(server.tessera)
	let stopping = false
	const stop = (why: Record<string, string>) => {
		if (stopping) return
		stopping = true
		server.tessera.log.info('shutting down', why)
		server.stop().then(() => process.exit(0))
	}
	// Ctrl-C in a terminal reaches the whole process group; the supervisor answers it with SIGTERM.
	process.on('SIGINT', () => {})
	// `on`, not `once`: a signal to the whole group (timeout(1), systemd) comes on top of the
	// supervisor's, and a second SIGTERM left to its default would end the requests in flight.
	process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }))
	// The supervisor was killed: nobody would stop this worker any more, or restart it.
	process.once('disconnect', () => stop({ reason: 'supervisor gone' }))
	process.send!({ listening: server.url } satisfies Message)
}

export interface SuperviseOptions {
	/** Run once on the database before any worker starts (the demo's seed). */
	prepare?: Prepare
	/** Called once every worker listens. */
	announce?: (url: string) => void
}

interface Slot {
	worker: number
	proc: Subprocess<'ignore', 'pipe', 'inherit'> | null
	startedAt: number
	listening: boolean
	/** Delay before the next restart. */
	backoffMs: number
	restart?: ReturnType<typeof setTimeout>
	/** Done when everything the current process wrote has been passed on. */
	drained: Promise<void>
}

export async function supervise(config: Config, options: SuperviseOptions = {}): Promise<void> {
	const out = serialStdout()
	const log = createLogger(config.logLevel, (line) => void out(line))
	await prepareDatabase(config, log, options.prepare)
	const port = probePort(config)
	const url = serverUrl(config, port)
	// ISSUER too: left to its default it follows PORT, which PORT=0 has just become something else.
	const env = { ...process.env, PORT: String(port), ISSUER: config.issuer }
	const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({
		worker: i + 1,
		proc: null,
		startedAt: 0,
		listening: false,
		backoffMs: RESTART_MIN_MS,
		drained: Promise.resolve()
	}))
	const started = Promise.withResolvers<void>()
	let starting = true
	let stopping = false

	const spawn = (slot: Slot) => {
		slot.listening = false
		slot.startedAt = performance.now()
		const proc = Bun.spawn(sameCommand(), {
			env: { ...env, [WORKER_ENV]: String(slot.worker) },
			stdin: 'ignore',
			stdout: 'pipe',
			stderr: 'inherit',
			ipc(message: Message) {
				if (typeof message?.listening !== 'string') return
				slot.listening = true
				if (starting && slots.every((s) => s.listening)) started.resolve()
			}
		})
		slot.proc = proc
		slot.drained = forwardLines(proc.stdout, out)
		proc.exited.then(() => exited(slot, proc))
	}

	const exited = (slot: Slot, proc: Subprocess) => {
		slot.proc = null
		if (stopping) return
		// One that never listened at start-up will not do better on a second try (its line is on stderr).
		if (starting) return started.reject(new WorkerStartError(slot.worker, proc.exitCode))
		const uptime = performance.now() - slot.startedAt
		if (uptime >= STABLE_MS) slot.backoffMs = RESTART_MIN_MS
		log.error('worker exited', {
			worker: slot.worker,
			pid: proc.pid,
			code: proc.exitCode,
			signal: proc.signalCode,
			uptime_ms: Math.round(uptime),
			restart_in_ms: slot.backoffMs
		})
		slot.restart = setTimeout(() => {
			slot.restart = undefined
			if (stopping) return
			spawn(slot)
			log.info('worker restarted', { worker: slot.worker, pid: slot.proc!.pid })
		}, slot.backoffMs)
		slot.backoffMs = Math.min(slot.backoffMs * 2, RESTART_MAX_MS)
	}

	const stopAll = async () => {
		stopping = true
		for (const slot of slots) {
			clearTimeout(slot.restart)
			slot.proc?.kill('SIGTERM')
		}
		const procs = slots.flatMap((slot) => (slot.proc ? [slot.proc] : []))
		const forced = setTimeout(() => procs.forEach((proc) => proc.kill('SIGKILL')), STOP_GRACE_MS)
		await Promise.all(procs.map((proc) => proc.exited))
		clearTimeout(forced)
		await Promise.all(slots.map((slot) => slot.drained))
	}

	// `on`: a repeated signal must not kill the supervisor while its workers finish.
	for (const signal of ['SIGINT', 'SIGTERM'] as const)
		process.on(signal, async () => {
			if (stopping) return
			log.info('shutting down', { signal })
			await stopAll()
			log.info('stopped')
			await out('')
			process.exit(0)
		})

	slots.forEach(spawn)
	try {
		await started.promise
	} catch (error) {
		await stopAll()
		await out('')
		throw error
	}
	starting = false
	log.info('supervising', { url, workers: config.workers, pids: slots.map((slot) => slot.proc?.pid) })
	options.announce?.(url)
}

/**
 * The command line of this process: `bun <script> [args]`, or for the compiled executable
 * (src/server/bin.ts) `tessera start|demo`, whose argv[1] is its embedded script, no argument.
 */
function sameCommand(): string[] {
	const args = process.argv.slice(Bun.isStandaloneExecutable ? 2 : 1)
	return [process.execPath, ...process.execArgv, ...args]
}

/** A worker exited before it listened; what stopped it is its own line on stderr. */
export class WorkerStartError extends Error {
	override name = 'WorkerStartError'
	constructor(
		readonly worker: number,
		readonly code: number | null
	) {
		super(`worker ${worker} exited with ${code} before it listened`)
	}
}

/** Writes to stdout one chunk after another; each promise settles once its chunk is written. */
function serialStdout(): (chunk: string | Uint8Array) => Promise<void> {
	let last = Promise.resolve()
	const write = (chunk: string | Uint8Array) =>
		new Promise<void>((resolve) => (chunk.length === 0 ? resolve() : process.stdout.write(chunk, () => resolve())))
	return (chunk) => (last = last.then(() => write(chunk)))
}

/**
 * Passes a stream on in whole lines: what follows the last newline waits for the next chunk. A
 * line cut off by the process's death is dropped, so stdout stays parseable JSON lines.
 */
async function forwardLines(stream: ReadableStream<Uint8Array>, out: (chunk: Uint8Array) => Promise<void>) {
	let rest: Uint8Array = new Uint8Array(0)
	for await (const chunk of stream) {
		const end = chunk.lastIndexOf(10)
		if (end === -1) {
			rest = concat(rest, chunk)
			continue
		}
		// Waiting for the write holds the next read back, so a slow stdout slows the worker, not memory.
		await out(concat(rest, chunk.subarray(0, end + 1)))
		rest = chunk.slice(end + 1)
	}
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	if (a.length === 0) return b
	const joined = new Uint8Array(a.length + b.length)
	joined.set(a)
	joined.set(b, a.length)
	return joined
}
