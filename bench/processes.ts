/**
 * The processes of `bun run bench`: pinning to a core, spawning, waiting for the first 200,
 * and reading a process's memory from /proc.
 */
import type { Subprocess } from 'bun'

/** `taskset -c N` when the machine has at least two cores and taskset exists; else nothing. */
export function pinner(): (core: number) => string[] {
	const usable = Bun.which('taskset') !== null && navigator.hardwareConcurrency >= 2
	return usable ? (core) => ['taskset', '-c', String(core)] : () => []
}

/** Moves this process (every thread) onto one core, where the load generators run too. */
export function pinSelf(pin: string[]) {
	if (pin.length === 0) return
	Bun.spawnSync(['taskset', '-a', '-p', '-c', pin[2]!, String(process.pid)], { stdout: 'ignore' })
}

export async function freePort(): Promise<number> {
	const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
	const { port } = listener
	listener.stop(true)
	return port
}

export interface Spawned {
	proc: Subprocess
	/** performance.now() just before the spawn. */
	spawnedAt: number
}

const running = new Set<Subprocess>()

/** Spawns in the repository root; stdout goes to `logPath`, stderr next to it. */
export function spawn(command: string[], env: Record<string, string | undefined>, logPath: string): Spawned {
	const spawnedAt = performance.now()
	const proc = Bun.spawn(command, {
		cwd: `${import.meta.dir}/..`,
		env,
		stdout: Bun.file(logPath),
		stderr: Bun.file(`${logPath}.err`)
	})
	running.add(proc)
	proc.exited.then(() => running.delete(proc))
	return { proc, spawnedAt }
}

/** Kills whatever this run spawned and is still running (after a failure). */
export function killAll() {
	for (const proc of running) proc.kill('SIGKILL')
}

/** Polls until `url` answers 200; returns performance.now() at that moment. */
export async function waitFor200(url: string, { proc }: Spawned, timeoutMs = 30_000): Promise<number> {
	const deadline = performance.now() + timeoutMs
	while (performance.now() < deadline) {
		if (proc.exitCode !== null) throw new Error(`${url}: the process exited with ${proc.exitCode}`)
		try {
			const response = await fetch(url)
			if (response.status === 200) return performance.now()
		} catch {
			// not listening yet
		}
		await Bun.sleep(2)
	}
	throw new Error(`${url}: no 200 within ${timeoutMs} ms`)
}

export async function stop({ proc }: Spawned) {
	proc.kill('SIGTERM')
	const exited = await Promise.race([proc.exited, Bun.sleep(5000).then(() => null)])
	if (exited === null) {
		proc.kill('SIGKILL')
		await proc.exited
	}
}

/** A field of /proc/PID/status in bytes: VmRSS (now) or VmHWM (the peak so far). */
export async function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
	const status = await Bun.file(`/proc/${pid}/status`).text()
	const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]
	if (kib === undefined) throw new Error(`no ${field} for process ${pid}`)
	return Number(kib) * 1024
}
