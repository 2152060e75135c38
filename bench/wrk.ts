/**
 * Runs wrk (the load generator: C, one thread saturates Bun from a single core) and reads the
 * line bench/lua/report.lua prints. Installs wrk with apt-get when it is missing.
 */
import { join } from 'node:path'

const LUA_DIR = join(import.meta.dir, 'lua')

export interface WrkResult {
	requests: number
	durationUs: number
	connectErrors: number
	readErrors: number
	writeErrors: number
	/** Responses outside 2xx/3xx. */
	statusErrors: number
	timeouts: number
	p50Us: number
	p99Us: number
	maxUs: number
}

export interface WrkRun {
	url: string
	connections: number
	seconds: number
	/** A script in bench/lua (without .lua); none sends wrk's one static request. */
	script?: string
	args?: string[]
	headers?: Record<string, string>
	/** The command prefix that pins wrk to its core. */
	pin: string[]
	/** Where combined scripts are written. */
	workDir: string
}

/** The wrk binary, installed through apt-get when missing; throws a clear message when that fails. */
export function ensureWrk(): string {
	const found = Bun.which('wrk')
	if (found) return found
	console.error('wrk is not installed; trying apt-get install wrk …')
	const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n']
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
	if (Bun.which('apt-get')) {
		Bun.spawnSync([...sudo, 'apt-get', 'update', '-qq'], { env, stdout: 'inherit', stderr: 'inherit' })
		Bun.spawnSync([...sudo, 'apt-get', 'install', '-y', '-qq', 'wrk'], {
			env,
			stdout: 'inherit',
			stderr: 'inherit'
		})
	}
	const installed = Bun.which('wrk')
	if (installed) return installed
	throw new Error(
		'wrk is required and could not be installed automatically ' +
			'(no apt-get, or no root/sudo). Install it (Debian/Ubuntu: `sudo apt-get install wrk`) and rerun.'
	)
}

const combined = new Map<string, string>()

/** The scenario script with the reporting `done` appended (wrk takes one script). */
async function scriptFile(name: string | undefined, workDir: string): Promise<string> {
	const key = name ?? 'static'
	let path = combined.get(key)
	if (!path) {
		const report = await Bun.file(join(LUA_DIR, 'report.lua')).text()
		const scenario = name ? await Bun.file(join(LUA_DIR, `${name}.lua`)).text() : ''
		path = join(workDir, `${key}.lua`)
		await Bun.write(path, `${scenario}\n${report}`)
		combined.set(key, path)
	}
	return path
}

export async function wrk(run: WrkRun): Promise<WrkResult> {
	const command = [
		...run.pin,
		'wrk',
		'-t1',
		`-c${run.connections}`,
		`-d${run.seconds}s`,
		'--timeout',
		'10s',
		...Object.entries(run.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
		'-s',
		await scriptFile(run.script, run.workDir),
		run.url,
		...(run.args?.length ? ['--', ...run.args] : [])
	]
	const proc = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' })
	const [out, err, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited
	])
	const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
	if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`)
	return JSON.parse(line.slice('BENCH_RESULT '.length)) as WrkResult
}

/** Successful responses per second: errors never count as throughput. */
export const okPerSecond = (r: WrkResult) => (r.requests - r.statusErrors) / (r.durationUs / 1e6)

/** Every request answered 2xx/3xx, no socket errors. */
export const clean = (r: WrkResult) =>
	r.statusErrors + r.connectErrors + r.readErrors + r.writeErrors + r.timeouts === 0
