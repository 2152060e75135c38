/**
 * @module http/json-depth
 * A bound on how deeply a JSON text nests, checked on the text before JSON.parse. A 120 KB body
 * can nest 20 000 levels, and everything that later walks the parsed value recursively (schema
 * validation, error formatting, JSON.stringify) then costs seconds and gigabytes or overflows
 * the stack (CWE-674). No body of ours nests deeper than 3; RFC 8259 §9 lets a parser limit
 * nesting.
 */
import { InvalidRequest } from '../errors'

export const MAX_JSON_DEPTH = 32

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * One pass over the text, stopping at the first level too deep. Brackets inside strings are not
 * nesting; a backslash escapes the next character (RFC 8259 §7). Malformed JSON is left for
 * JSON.parse to refuse: only the depth is this function's business.
 */
export function checkJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): void {
	let depth = 0
	let inString = false
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i)
		if (inString) {
			if (c === BACKSLASH) i++
			else if (c === QUOTE) inString = false
		} else if (c === QUOTE) inString = true
		else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
			if (++depth > maxDepth)
				throw new InvalidRequest(`The JSON body nests deeper than ${maxDepth} levels`)
		} else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--
	}
}

/** JSON.parse behind the depth bound; any failure is a 400 invalid_request. */
export function parseBoundedJson(text: string): unknown {
	checkJsonDepth(text)
	try {
		return JSON.parse(text)
	} catch {
		throw new InvalidRequest('The request body is not valid JSON')
	}
}
