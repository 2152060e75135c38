/**
 * The admin CLI (src/server/cli/index.ts), run two ways: in this process, through its main() with
 * standard streams of its own, for what the CLI does; and as a real process, for what only a
 * process shows (its exit status, its standard input, `bun run cli`).
 */
import { spyOn } from 'bun:test'
import { join } from 'node:path'
import { format } from 'node:util'
import { main } from '../../src/server/cli/index'
import { ROOT } from './process'

export const CLI = join(ROOT, 'src/server/cli/index.ts')

export interface Run {
	code: number
	stdout: string
	stderr: string
}

export interface CliOptions {
	/** The whole environment the CLI sees. */
	env: Record<string, string>
	/** Standard input, a pipe that holds this; none (no terminal either) when absent. */
	stdin?: string
}

/**
 * main(args, env) with what it prints captured, `stdin` as standard input, and no terminal: as
 * `bun run cli -- …` from a script. One at a time: the streams are this process's.
 */
export async function runCli(args: string[], { env, stdin = '' }: CliOptions): Promise<Run> {
	let stdout = ''
	let stderr = ''
	const spies = [
		spyOn(console, 'log').mockImplementation((...data) => void (stdout += `${format(...data)}\n`)),
		spyOn(console, 'error').mockImplementation((...data) => void (stderr += `${format(...data)}\n`)),
		spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true)),
		spyOn(Bun.stdin, 'text').mockImplementation(async () => stdin)
	]
	const isTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
	Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true })
	try {
		return { code: await main(args, env), stdout, stderr }
	} finally {
		for (const spy of spies) spy.mockRestore()
		if (isTTY) Object.defineProperty(process.stdin, 'isTTY', isTTY)
		else delete (process.stdin as { isTTY?: boolean }).isTTY
	}
}

/** The CLI as a process of its own. */
export async function cliProcess(args: string[], { env, stdin }: CliOptions): Promise<Run> {
	const child = Bun.spawn([process.execPath, CLI, ...args], {
		cwd: ROOT,
		env,
		stdin: stdin === undefined ? 'ignore' : new Blob([stdin]),
		stdout: 'pipe',
		stderr: 'pipe'
	})
	const [stdout, stderr, code] = await Promise.all([
		new Response(child.stdout).text(),
		new Response(child.stderr).text(),
		child.exited
	])
	return { code, stdout, stderr }
}
