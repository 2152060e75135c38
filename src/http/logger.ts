/**
 * @module auth/logger
 * Structured JSON logs, one object per line on stdout. Callers pass only non-secret fields;
 * the field names below are additionally never written, whatever a caller passes.
 */
import type { LogLevel } from '../config'

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

export interface Logger {
	debug(msg: string, fields?: LogFields): void
	info(msg: string, fields?: LogFields): void
	warn(msg: string, fields?: LogFields): void
	error(msg: string, fields?: LogFields): void
}

export function createLogger(
	level: LogLevel,
	write: (line: string) => void = (line) => process.stdout.write(line)
): Logger {
	const threshold = RANK[level]
	const log =
		(lvl: Exclude<LogLevel, 'silent'>) =>
		(msg: string, fields: LogFields = {}) => {
			if (RANK[lvl] < threshold) return
			const entry: LogFields = { time: new Date().toISOString(), level: lvl, msg }
			for (const key in fields) if (!SECRET_FIELDS.has(key)) entry[key] = fields[key]
			write(`${JSON.stringify(entry)}\n`)
		}
	return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}
