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

/** Strict: a body that is not UTF-8 is refused, not patched with U+FFFD. Stateless when not streaming. */
const utf8 = new TextDecoder('utf-8', { fatal: true })

export async function readBodyText(request: Request, limitBytes: number): Promise<string> {
	const declared = request.headers.get('content-length')
	if (declared !== null && !(Number(declared) <= limitBytes)) throw new PayloadTooLarge(limitBytes)
	if (!request.body) return ''
	if (declared === null) return decodeUtf8(await readCounted(request.body, limitBytes))
	// HTTP/1.1 framing holds a body with a Content-Length to exactly that many bytes, so it is read
	// in one piece, not as a stream with a promise per chunk. Checked again all the same: a Request
	// built in process (app.handle) can declare one length and carry another.
	const bytes = await request.arrayBuffer()
	if (bytes.byteLength > limitBytes) throw new PayloadTooLarge(limitBytes)
	return decodeUtf8(bytes)
}

async function readCounted(body: ReadableStream<Uint8Array>, limitBytes: number): Promise<Uint8Array> {
	const reader = body.getReader()
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
	return Buffer.concat(chunks)
}

function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
	try {
		return utf8.decode(bytes)
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
