/**
 * @module http/body
 * Reading request bodies with a size bound. The Content-Length is checked first; a body without
 * one (chunked) is read as a stream and abandoned the moment it passes the bound.
 */
import { InvalidRequest, PayloadTooLarge } from '../errors'
import { parseBoundedJson } from './json-depth'

/** Bodies of OAuth endpoints are a few parameters (oidc-provider caps them at 56 KiB). */
export const OAUTH_BODY_LIMIT = 64 * 1024
/** JSON bodies of the resource API: a post is at most 20 000 characters. */
export const JSON_BODY_LIMIT = 128 * 1024

export async function readBodyText(request: Request, limitBytes: number): Promise<string> {
	const declared = request.headers.get('content-length')
	if (declared !== null && !(Number(declared) <= limitBytes)) throw new PayloadTooLarge(limitBytes)
	if (!request.body) return ''
	const reader = request.body.getReader()
	const chunks: Uint8Array[] = []
	let size = 0
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		size += value.byteLength
		if (size > limitBytes) {
			await reader.cancel().catch(() => {})
			throw new PayloadTooLarge(limitBytes)
		}
		chunks.push(value)
	}
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
	} catch {
		throw new InvalidRequest('The request body is not valid UTF-8')
	}
}

/** The media type of a request, lower-cased, without parameters. */
export function mediaType(request: Request): string {
	return (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

/** Bounded in size and in nesting (http/json-depth), before anything walks the value. */
export async function readJson(request: Request, limitBytes = JSON_BODY_LIMIT): Promise<unknown> {
	return parseBoundedJson(await readBodyText(request, limitBytes))
}
