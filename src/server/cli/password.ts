/**
 * @module cli/password
 * Passwords reach the CLI from a terminal prompt that does not echo, or from standard input
 * (`--password-stdin`), never from the command line, where `ps` and shell history would show them.
 */
import { UsageError } from './command'

/** `--password-stdin`: all of standard input, less one trailing line break (`echo` adds one). */
export async function readPasswordFromStdin(): Promise<string> {
	return (await Bun.stdin.text()).replace(/\r?\n$/, '')
}

/** Asks twice on the terminal, without echo; the answers must agree. */
export async function promptNewPassword(): Promise<string> {
	if (!process.stdin.isTTY)
		throw new UsageError('no terminal to ask for the password; pipe it in with --password-stdin')
	const terminal = hiddenInput()
	try {
		const password = await terminal.ask('Password: ')
		if ((await terminal.ask('Repeat password: ')) !== password) throw new Error('the passwords differ')
		return password
	} finally {
		terminal.close()
	}
}

const CANCEL = new Set(['\u0003', '\u0004']) // Ctrl-C, Ctrl-D
const ERASE = new Set(['\u007f', '\b'])

/**
 * The terminal in raw mode, so it shows nothing typed, from before the first prompt until the
 * last answer: keys typed ahead (or pasted) are never echoed, and wait for the next question.
 */
function hiddenInput() {
	const stdin = process.stdin
	stdin.setRawMode(true)
	stdin.setEncoding('utf8')
	stdin.resume()
	const lines: string[] = []
	let typed: string[] = []
	let previous = ''
	let cancelled = false
	let waiting: { resolve(line: string): void; reject(error: Error): void } | null = null

	const answer = () => {
		if (!waiting || (!cancelled && lines.length === 0)) return
		process.stderr.write('\n')
		if (cancelled) waiting.reject(new Error('cancelled'))
		else waiting.resolve(lines.shift()!)
		waiting = null
	}
	const onData = (chunk: string) => {
		for (const char of chunk) {
			// Enter is \r in raw mode; a pasted \r\n is one line break, not two.
			if (char === '\r' || (char === '\n' && previous !== '\r')) {
				lines.push(typed.join(''))
				typed = []
			} else if (CANCEL.has(char)) cancelled = true
			else if (ERASE.has(char)) typed.pop()
			else if (char >= ' ') typed.push(char)
			previous = char
		}
		answer()
	}
	stdin.on('data', onData)

	return {
		ask(question: string): Promise<string> {
			process.stderr.write(question)
			return new Promise((resolve, reject) => {
				waiting = { resolve, reject }
				answer()
			})
		},
		close() {
			stdin.off('data', onData)
			stdin.setRawMode(false)
			stdin.pause()
		}
	}
}
