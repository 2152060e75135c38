/**
 * @module cli/printable
 * What the CLI prints for people comes partly from the database, where the admin API lets anyone
 * with `admin` put any text (a client's name, a user's full name). Written raw to a terminal,
 * control characters clear the screen, move the cursor, forge lines or set the window title, and
 * bidi controls reorder what is read (CWE-150). They are shown as escapes instead.
 */

/**
 * C0 controls (the newline too: it would forge a table row), DEL, C1 controls (ECMA-48), and the
 * bidi marks, embeddings, overrides and isolates and line separators of Unicode.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0')

/** `\u001b` becomes the four characters `\x1b`; `\u202e` the six characters `\u202e`. */
export function printable(text: string): string {
	return text.replace(UNSAFE, (char) => {
		const code = char.charCodeAt(0)
		return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`
	})
}
