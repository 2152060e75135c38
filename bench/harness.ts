/**
 * What `bun run bench` and `bun run bench soak` share: the cores (server on core 0, load on core
 * 1), progress lines on stderr, wrk runs from the load core, servers started from the repository
 * with their own environment, and server memory read from /proc.
 */
import { join } from 'node:path'
import { freePort, memoryBytes, pinner, spawn, waitFor200, type Spawned } from './processes'
import { wrk, type WrkResult, type WrkRun } from './wrk'

export const HOST = '127.0.0.1'
export const MB = 2 ** 20

const startedAt = performance.now()
export const elapsedSeconds = () => (performance.now() - startedAt) / 1000

export const progress = (message: string) =>
	console.error(
		`[bench ${elapsedSeconds().toFixed(0).padStart(3)} s ${new Date().toISOString()}] ${message}`
	)

const pin = pinner()
export const SERVER_CORE = pin(0)
export const LOAD_CORE = pin(1)

export const median = (values: number[]) => {
	if (values.length === 0) return Number.NaN
	const sorted = [...values].sort((a, b) => a - b)
	const middle = sorted.length >> 1
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export type LoadRun = Omit<WrkRun, 'pin' | 'workDir' | 'seconds'>

/** One wrk run from the load core; its combined scripts are written to `workDir`. */
export const load = (workDir: string, run: LoadRun, seconds: number) =>
	wrk({ ...run, seconds, pin: LOAD_CORE, workDir })

export interface Server extends Spawned {
	name: string
	base: string
	coldStartMs: number
}

/**
 * `bun src/server/main.ts` (what `bun run start` runs) pinned to the server core, on a port of its
 * own; `env` carries the store and every other setting. stdout (the request log) goes to a file.
 */
export async function startServer(
	name: string,
	env: Record<string, string | undefined>,
	dir: string
): Promise<Server> {
	const port = await freePort()
	const server = spawn(
		[...SERVER_CORE, process.execPath, 'src/server/main.ts'],
		{ ...env, PORT: String(port), HOST },
		join(dir, `${name}.log`)
	)
	const base = `http://${HOST}:${port}`
	const ready = await waitFor200(`${base}/health`, server)
	return { ...server, name, base, coldStartMs: ready - server.spawnedAt }
}

/** Samples a process's resident memory every `intervalMs` until stopped; the samples in bytes. */
export function sampleRss(pid: number, intervalMs: number) {
	const samples: { at: number; bytes: number }[] = []
	let running = true
	const done = (async () => {
		while (running) {
			try {
				samples.push({ at: performance.now(), bytes: await memoryBytes(pid, 'VmRSS') })
			} catch {
				return // the process has gone
			}
			await Bun.sleep(intervalMs)
		}
	})()
	return {
		samples,
		async stop() {
			running = false
			await done
			return samples
		}
	}
}

/** The RSS samples taken while `work` ran, with its result. */
export async function duringRss<T>(pid: number, work: Promise<T>, intervalMs = 250) {
	const sampler = sampleRss(pid, intervalMs)
	const result = await work
	const samples = await sampler.stop()
	return { result, rss: samples.map((s) => s.bytes) }
}

/** Non-2xx answers, socket errors and timeouts of a run; none is a clean run. */
export const errorsOf = (r: WrkResult) =>
	r.statusErrors + r.connectErrors + r.readErrors + r.writeErrors + r.timeouts

export const describeErrors = (r: WrkResult) =>
	`${r.statusErrors} non-2xx, ${r.connectErrors + r.readErrors + r.writeErrors} socket errors, ${r.timeouts} timeouts`

/** One line naming the machine: cores, CPU model, memory, Bun, and whether the cores were pinned. */
export async function machineLine(): Promise<string> {
	const cpuinfo = await Bun.file('/proc/cpuinfo')
		.text()
		.catch(() => '')
	const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]
	const memKib = /^MemTotal:\s+(\d+) kB/m.exec(
		await Bun.file('/proc/meminfo')
			.text()
			.catch(() => '')
	)?.[1]
	const load = (
		await Bun.file('/proc/loadavg')
			.text()
			.catch(() => '')
	)
		.split(' ')
		.slice(0, 3)
		.join(' ')
	const cores = Bun.spawnSync(['nproc', '--all']).stdout.toString().trim()
	return (
		`Machine: ${cores} cores, ${cpu ?? 'unknown CPU'}, ${memKib ? `${(Number(memKib) / 2 ** 20).toFixed(0)} GiB` : 'unknown memory'}, ` +
		`Bun ${Bun.version}, load average ${load || 'unknown'} at the end; ` +
		(SERVER_CORE.length
			? 'servers and references pinned to core 0 (`taskset -c 0`), wrk and the bench on core 1.'
			: 'unpinned (taskset or a second core is missing: figures are rougher).')
	)
}

export const rate = (n: number, unit = 'req/s') => `${Math.round(n).toLocaleString('en-US')} ${unit}`
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`
export const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`
export const ratio = (figure: number, reference: number) => `${(figure / reference).toFixed(2)}×`
