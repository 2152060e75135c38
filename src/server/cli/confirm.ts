/**
 * @module cli/confirm
 * A yes/no question on the terminal before a command destroys something. Without a terminal
 * nobody could answer it, so a script must say `--yes` instead: it is never taken as consent.
 */
import { createInterface } from 'node:readline/promises'
import { UsageError } from './command'

/** Asks on stderr (stdout is the command's result); only `y` or `yes` agrees. */
export async function confirm(question: string): Promise<boolean> {
	if (!process.stdin.isTTY)
		throw new UsageError('no terminal to confirm on; add --yes to go ahead without asking')
	const terminal = createInterface({ input: process.stdin, output: process.stderr })
	try {
		const answer = await terminal.question(`${question} [y/N] `)
		return /^y(es)?$/i.test(answer.trim())
	} catch {
		// Ctrl-D or Ctrl-C ends the input: that is no answer, and no consent.
		return false
	} finally {
		terminal.close()
	}
}
