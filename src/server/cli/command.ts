/**
 * @module cli/command
 * What a CLI command is: its arguments, options and help, and a `run` that returns what to print
 * for people and for scripts (`--json`). Failures are exceptions: a UsageError (exit 2) when the
 * command line is wrong, anything else (exit 1) when the operation was refused or failed.
 */
import { basename } from 'node:path'
import type { Config } from '../config'
import type { Tessera } from '../../tessera'
import type { ServerScope } from '../scopes'
import { printable } from './printable'

export class UsageError extends Error {}

/**
 * How a person runs the CLI, for its help and errors: the compiled executable by its own name
 * (`tessera users list`, see src/server/bin.ts), else the package script.
 */
export const PROGRAM = Bun.isStandaloneExecutable ? basename(process.execPath) : 'bun run cli --'

export interface OptionSpec {
	type: 'string' | 'boolean'
	/** For help: the value's name, e.g. `"<scopes>"`. */
	value?: string
	description: string
}

export interface Context {
	config: Config
	/** Positional arguments by name. */
	args: Record<string, string>
	options: Record<string, string | boolean | undefined>
	/** Opens the database (migrating it) and builds the services; closed when the command ends. */
	tessera(): Promise<Tessera<ServerScope>>
}

export interface Result {
	/** What `--json` prints. */
	data: unknown
	/** What a person reads. */
	text: string
}

export interface Command {
	summary: string
	/** Positional arguments, all required, e.g. `['username']`. */
	args: string[]
	options: Record<string, OptionSpec>
	/** Further help lines. */
	notes?: string[]
	run(context: Context): Promise<Result>
}

export interface CommandGroup {
	summary: string
	commands: Record<string, Command>
}

export function usageLine(group: string, name: string, command: Command): string {
	const args = command.args.map((arg) => `<${arg}>`)
	const options = Object.entries(command.options).map(
		([option, spec]) => `[--${option}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}]`
	)
	return [PROGRAM, group, name, ...args, ...options, '[--json]'].join(' ')
}

/** Splits a list given as one option value: space- or comma-separated. */
export const listOption = (value: string) => value.split(/[\s,]+/).filter(Boolean)

/** How many rows one query reads while a command lists them all. */
const BATCH = 500

/** Every row of a keyset-ordered list, read a batch at a time. */
export async function readAll<Row, Key>(
	fetch: (after: Key | undefined, limit: number) => Promise<Row[]>,
	keyOf: (row: Row) => Key
): Promise<Row[]> {
	const rows: Row[] = []
	for (;;) {
		const last = rows.at(-1)
		const batch = await fetch(last === undefined ? undefined : keyOf(last), BATCH)
		rows.push(...batch)
		if (batch.length < BATCH) return rows
	}
}

/** Prints rows as aligned columns, a header first; control characters in a cell are shown escaped. */
export function table(header: string[], rows: string[][]): string {
	const cells = rows.map((row) => row.map(printable))
	const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)))
	return [header, ...cells]
		.map((row) =>
			row
				.map((cell, i) => cell.padEnd(widths[i]!))
				.join('  ')
				.trimEnd()
		)
		.join('\n')
}
