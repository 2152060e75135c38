/**
 * @module cli
 * The admin CLI: `bun run cli -- <group> <command> [arguments] [options]`. It opens the server's
 * database, chosen by the same settings (DATABASE_URL, else the SQLite file at DATABASE_PATH, which
 * WAL lets both use at once), and does its work through the
 * same services as the admin API. Results go to stdout (`--json` for scripts), a one-line error
 * to stderr. Exit status: 0 success; 1 failure (not found, taken, database error); 2 usage (a
 * wrong command line, or input the operation refuses).
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config'
import { ApiError } from '../../errors'
import { createLogger, type Logger } from '../../http/logger'
import { tesseraOptions } from '../options'
import type { ServerScope } from '../scopes'
import { createTessera, type Tessera } from '../../tessera'
import { clientsCommands } from './clients'
import { PROGRAM, usageLine, UsageError, type Command, type CommandGroup, type OptionSpec } from './command'
import { dbCommands } from './db'
import { keysCommands } from './keys'
import { printable } from './printable'
import { usersCommands } from './users'

const GROUPS: Record<string, CommandGroup> = {
	users: usersCommands,
	clients: clientsCommands,
	keys: keysCommands,
	db: dbCommands
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
	json: { type: 'boolean', description: 'Print the result as JSON' },
	help: { type: 'boolean', description: 'Show this help' }
}

const HELP = new Set(['--help', '-h', 'help'])

const EXIT = { ok: 0, failure: 1, usage: 2 } as const

const find = <T>(table: Record<string, T>, name: string) =>
	Object.hasOwn(table, name) ? table[name] : undefined

function topHelp(): string {
	const entries = Object.entries(GROUPS).flatMap(([group, { commands }]) =>
		Object.entries(commands).map(([name, command]) => ({
			synopsis: [group, name, ...command.args.map((arg) => `<${arg}>`)].join(' '),
			summary: command.summary
		}))
	)
	const width = Math.max(...entries.map(({ synopsis }) => synopsis.length)) + 2
	const lines = entries.map(({ synopsis, summary }) => `  ${synopsis.padEnd(width)}${summary}`)
	return [
		'Tessera admin CLI',
		'',
		`Usage: ${PROGRAM} <group> <command> [arguments] [options]`,
		'',
		...lines,
		'',
		'Every command takes --json (output for scripts) and --help.',
		'It works on the server\'s database (DATABASE_URL, else DATABASE_PATH, default ./data/tessera.sqlite),',
		'also while the server runs.',
		'Exit status: 0 success; 1 failure (not found, already taken, database error);',
		'2 usage error (wrong command line, or input refused, like a short password).'
	].join('\n')
}

function groupHelp(group: string, { summary, commands }: CommandGroup): string {
	const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 2
	return [
		`${summary}`,
		'',
		`Usage: ${PROGRAM} ${group} <command> [arguments] [options]`,
		'',
		...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
		'',
		`See ${PROGRAM} ${group} <command> --help`
	].join('\n')
}

function commandHelp(group: string, name: string, command: Command): string {
	const options = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([option, spec]) => {
		const flag = `--${option}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`
		return `  ${flag.padEnd(24)}${spec.description}`
	})
	return [
		`Usage: ${usageLine(group, name, command)}`,
		'',
		command.summary,
		'',
		'Options:',
		...options,
		...(command.notes ? ['', ...command.notes] : [])
	].join('\n')
}

/** Help asked for goes to stdout. */
function show(help: string): number {
	console.log(help)
	return EXIT.ok
}

/** One line on stderr; a usage error points at the help that would have helped. */
function fail(status: number, message: string, helpFor?: string): number {
	const help =
		helpFor === undefined ? '' : ` (see ${[PROGRAM, helpFor, '--help'].filter(Boolean).join(' ')})`
	console.error(`tessera: ${printable(message.split('\n', 1)[0]!)}${help}`)
	return status
}

export async function main(argv: string[], env: Record<string, string | undefined> = process.env) {
	const [groupName, commandName, ...rest] = argv
	if (groupName === undefined) return fail(EXIT.usage, 'no command given', '')
	if (HELP.has(groupName)) return show(topHelp())
	const group = find(GROUPS, groupName)
	if (!group) return fail(EXIT.usage, `unknown command '${groupName}'`, '')
	if (commandName === undefined) return fail(EXIT.usage, `${groupName}: no command given`, groupName)
	if (HELP.has(commandName)) return show(groupHelp(groupName, group))
	const command = find(group.commands, commandName)
	if (!command) return fail(EXIT.usage, `unknown command '${groupName} ${commandName}'`, groupName)
	const where = `${groupName} ${commandName}`

	let parsed
	try {
		parsed = parseArgs({
			args: rest,
			options: { ...command.options, ...COMMON_OPTIONS },
			allowPositionals: true,
			strict: true
		})
	} catch (error) {
		// node:util's messages go on about `--`; the first sentence says what is wrong.
		return fail(EXIT.usage, (error as Error).message.split('. ', 1)[0]!, where)
	}
	if (parsed.values.help) return show(commandHelp(groupName, commandName, command))
	const { positionals } = parsed
	if (positionals.length < command.args.length)
		return fail(EXIT.usage, `missing <${command.args[positionals.length]}>`, where)
	if (positionals.length > command.args.length)
		return fail(EXIT.usage, `unexpected argument '${positionals[command.args.length]}'`, where)

	let tessera: Tessera<ServerScope> | undefined
	try {
		const config = loadConfig(env)
		// Audit events are logged too; a command's output should not drown in them unless asked.
		const log = createLogger(env.LOG_LEVEL ? config.logLevel : 'warn', (line) =>
			process.stderr.write(line)
		)
		const result = await command.run({
			config,
			args: Object.fromEntries(command.args.map((arg, i) => [arg, positionals[i]!])),
			options: parsed.values,
			tessera: async () => (tessera ??= await createTessera(cliOptions(config, env, log)))
		})
		console.log(parsed.values.json ? JSON.stringify(result.data) : result.text)
		return EXIT.ok
	} catch (error) {
		if (error instanceof UsageError) return fail(EXIT.usage, error.message, where)
		if (error instanceof ConfigError) return fail(EXIT.failure, `bad setting ${error.message}`)
		// A 400 is input the operation refuses (a short password, a public client with client_credentials).
		if (error instanceof ApiError)
			return error.status === 400
				? fail(EXIT.usage, error.description, where)
				: fail(EXIT.failure, error.description)
		return fail(EXIT.failure, error instanceof Error ? error.message : String(error))
	} finally {
		await tessera?.store.close()
	}
}

/**
 * The server's options, but the CLI leaves the stored `default` client's scopes alone unless
 * DEFAULT_CLIENT_SCOPES says otherwise: run against the demo database, it must not take the
 * demo's `admin` away with `bun run start`'s default.
 */
function cliOptions(config: Config, env: Record<string, string | undefined>, logger: Logger) {
	const options = { ...tesseraOptions(config), logger }
	if (env.DEFAULT_CLIENT_SCOPES?.trim()) return options
	return { ...options, defaultClient: { enabled: config.allowDefaultClient } }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)))
