/**
 * @module http/logger
 * Structured JSON logs, one object per line on stdout. Callers pass only non-secret fields;
 * the field names below are additionally never written, whatever a caller passes.
 */
import { writeSync } from 'node:fs'
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }
const SECRET_FIELDS = new Set([
	'password',
	'new_password',
	'current_password',
	'token',
	'access_token',
	'refresh_token',
	'client_secret',
	'authorization',
	'secret'
])

export type LogFields = Record<string, unknown>

/** Keys every line has: a field of the same name replaces the line's own. */
const OWN_FIELDS = new Set(['time', 'level', 'msg'])

export interface Logger {
	debug(msg: string, fields?: LogFields): void
	info(msg: string, fields?: LogFields): void
	warn(msg: string, fields?: LogFields): void
	error(msg: string, fields?: LogFields): void
	/**
	 * Whether lines of this level are written. Optional for a logger of your own (then assumed
	 * true): it lets a hot path skip gathering what a dropped line would have said.
	 */
	enabled?(level: Exclude<LogLevel, 'silent'>): boolean
}

/**
 * Lines for stdout are written together, at most FLUSH_INTERVAL_MS after the first of them: under
 * load one write(2) carries the lines of hundreds of requests. Once per event-loop turn was not
 * enough: a turn serves one or two requests, and a system call costs about 5 µs on a virtual
 * machine, a sixth of a whole request. Whatever is pending at exit is written then. Each logger
 * has its own buffer: two instances in one process share nothing.
 */
const FLUSH_INTERVAL_MS = 10

function stdoutWriter(): (line: string) => void {
	let pending = ''
	const flushAtExit = () => {
		if (pending !== '') writeSync(1, pending)
		pending = ''
	}
	const flush = () => {
		const chunk = pending
		pending = ''
		process.off('exit', flushAtExit)
		process.stdout.write(chunk)
	}
	return (line) => {
		if (pending === '') {
			// Unreferenced: a process with nothing else to do exits, and its exit writes the lines.
			setTimeout(flush, FLUSH_INTERVAL_MS).unref()
			process.once('exit', flushAtExit)
		}
		pending += line
	}
}

/** The ISO time of now; lines written within the same millisecond share one string. */
function isoClock(): () => string {
	let isoMs = 0
	let isoTime = ''
	return () => {
		const ms = Date.now()
		if (ms !== isoMs) {
			isoMs = ms
			isoTime = new Date(ms).toISOString()
		}
		return isoTime
	}
}

/**
 * `base` goes on every line after `msg` (a server worker's `worker: <n>`), so lines from processes
 * sharing one stdout can be told apart.
 */
export function createLogger(
	level: LogLevel,
	write: (line: string) => void = stdoutWriter(),
	base: LogFields = {}
): Logger {
	const threshold = RANK[level]
	const isoNow = isoClock()
	const baseJson = JSON.stringify(base).slice(1, -1)
	const log = (lvl: Exclude<LogLevel, 'silent'>) => {
		// Everything after the time, up to the fields; `msg` varies, so only its key is kept here.
		const head = `","level":"${lvl}","msg":`
		const afterMsg = baseJson === '' ? '' : `,${baseJson}`
		return (msg: string, fields: LogFields = {}) => {
			if (RANK[lvl] < threshold) return
			// The common line is serialized as given; one naming a secret or a key of the line's own
			// is copied without the secret first (a field named like ours takes its place, as before).
			let clean = true
			for (const key in fields)
				if (SECRET_FIELDS.has(key) || OWN_FIELDS.has(key)) {
					clean = false
					break
				}
			if (!clean) {
				const entry: LogFields = { time: isoNow(), level: lvl, msg, ...base }
				for (const key in fields) if (!SECRET_FIELDS.has(key)) entry[key] = fields[key]
				write(`${JSON.stringify(entry)}\n`)
				return
			}
			const json = JSON.stringify(fields)
			const rest = json === '{}' ? '}' : `,${json.slice(1)}`
			write(`{"time":"${isoNow()}${head}${JSON.stringify(msg)}${afterMsg}${rest}\n`)
		}
	}
	return {
		debug: log('debug'),
		info: log('info'),
		warn: log('warn'),
		error: log('error'),
		enabled: (lvl) => RANK[lvl] >= threshold
	}
}
