/**
 * @module oauth/form
 * The parameters of an OAuth endpoint request (RFC 6749 §3.2): form-encoded (JSON objects of
 * strings are accepted too), bounded in size, never repeated, empty values treated as omitted.
 */
import { InvalidRequest } from '../errors'
import { mediaType, OAUTH_BODY_LIMIT, readBodyText } from '../http/body'
import { parseBoundedJson } from '../http/json-depth'

export type OAuthParams = Readonly<Record<string, string>>

/** No parameter of ours comes near this (a password is at most 1024 bytes). */
export const MAX_PARAM_LENGTH = 4096

export async function readOAuthParams(request: Request): Promise<OAuthParams> {
	const type = mediaType(request)
	if (type === 'application/x-www-form-urlencoded')
		return parseForm(await readBodyText(request, OAUTH_BODY_LIMIT))
	if (type === 'application/json') return parseJsonParams(await readBodyText(request, OAUTH_BODY_LIMIT))
	throw new InvalidRequest('The body must be application/x-www-form-urlencoded or application/json')
}

/** An Elysia route `parse` option for OAuth endpoints (errors reach onError as the ParseError's cause). */
export const parseOAuthParams = ({ request }: { request: Request }) => readOAuthParams(request)

export function parseForm(body: string): OAuthParams {
	const params: Record<string, string> = Object.create(null)
	const seen = new Set<string>()
	for (const pair of body.split('&')) {
		if (pair === '') continue
		const eq = pair.indexOf('=')
		const name = decode(eq === -1 ? pair : pair.slice(0, eq))
		const value = eq === -1 ? '' : decode(pair.slice(eq + 1))
		// §3.2: "Request and response parameters MUST NOT be included more than once."
		if (seen.has(name)) throw new InvalidRequest(`The parameter '${printable(name)}' is repeated`)
		seen.add(name)
		accept(params, name, value)
	}
	return params
}

function parseJsonParams(body: string): OAuthParams {
	const json = parseBoundedJson(body)
	if (typeof json !== 'object' || json === null || Array.isArray(json))
		throw new InvalidRequest('The request body must be an object')
	const params: Record<string, string> = Object.create(null)
	for (const [name, value] of Object.entries(json)) {
		if (typeof value !== 'string')
			throw new InvalidRequest(`The parameter '${printable(name)}' must be a string`)
		accept(params, name, value)
	}
	return params
}

function accept(params: Record<string, string>, name: string, value: string) {
	if (value.length > MAX_PARAM_LENGTH)
		throw new InvalidRequest(`The parameter '${printable(name)}' is too long`)
	// §3.2: "Parameters sent without a value MUST be treated as if they were omitted."
	if (value !== '') params[name] = value
}

function decode(component: string): string {
	try {
		return decodeURIComponent(component.replaceAll('+', ' '))
	} catch {
		throw new InvalidRequest('The body has a malformed percent-encoding')
	}
}

/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
export function printable(text: string, maxLength = 40): string {
	const clean = text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?')
	return clean.length > maxLength ? `${clean.slice(0, maxLength)}...` : clean
}
