/**
 * A real server process (`bun src/server/main.ts` or `bun src/server/demo.ts`) on port 0: its address is read
 * from its own `listening` log line (with WORKERS > 1, the supervisor's `supervising` line, written
 * once every worker listens), and its stdout keeps being read (into `lines`) so the pipe never
 * fills up.
 */
import type { Subprocess } from 'bun'
import { join } from 'node:path'

export const ROOT = join(import.meta.dir, '../..')

export interface ServerProcess {
	proc: Subprocess<'ignore', 'pipe', 'pipe'>
	/** http://127.0.0.1:<port> */
	base: string
	port: number
	/** Every JSON line written to stdout so far. */
	lines: Record<string, unknown>[]
	/** SIGTERM, then the exit status. */
	stop(): Promise<number>
}

/** Reads a child's output a line at a time: the next line, or undefined once the output ends. */
export function lineReader(stream: ReadableStream<Uint8Array>): () => Promise<string | undefined> {
	const reader = stream.getReader()
	const decoder = new TextDecoder()
	let pending = ''
	return async () => {
		let newline: number
		while ((newline = pending.indexOf('\n')) === -1) {
			const { value, done } = await reader.read()
			if (done) return undefined
			pending += decoder.decode(value, { stream: true })
		}
		const line = pending.slice(0, newline)
		pending = pending.slice(newline + 1)
		return line
	}
}

export function spawnBun(args: string[], env: Record<string, string | undefined>) {
	return Bun.spawn(['bun', ...args], {
		cwd: ROOT,
		env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe'
	})
}

export async function spawnServer(
	env: Record<string, string>,
	script = 'src/server/main.ts',
	ready = env.WORKERS !== undefined && env.WORKERS !== '1' ? 'supervising' : 'listening'
): Promise<ServerProcess> {
	const proc = spawnBun([script], { DATABASE_PATH: ':memory:', PORT: '0', ...env })
	const lines: Record<string, unknown>[] = []
	const { promise: started, resolve: listening } = Promise.withResolvers<string>()
	;(async () => {
		const next = lineReader(proc.stdout)
		for (let text = await next(); text !== undefined; text = await next()) {
			const line = JSON.parse(text)
			lines.push(line)
			if (line.msg === ready) listening(line.url)
		}
	})()
	const url = await Promise.race([
		started,
		proc.exited.then(async (code) => {
			throw new Error(`server exited with ${code}: ${await new Response(proc.stderr).text()}`)
		}),
		Bun.sleep(20_000).then(() => {
			throw new Error('server did not start')
		})
	]).catch((error) => {
		proc.kill('SIGKILL')
		throw error
	})
	return {
		proc,
		base: url,
		port: Number(new URL(url).port),
		lines,
		stop: () => {
			proc.kill('SIGTERM')
			return proc.exited
		}
	}
}
