/**
 * @module http/request-limits
 * The ceiling on every request body, whatever its route, checked by its declared Content-Length
 * before a byte of it is read (RFC 9110 §15.5.14: 413 Content Too Large). It sits far above the
 * per-endpoint bounds (src/http/body.ts: 64 KiB for OAuth, 128 KiB for the resource API), which
 * give the precise 413 and count the bytes of a chunked body as they arrive. It exists so that a
 * route that reads no body, or a path that matches no route, refuses a huge one with our JSON
 * too: Bun's own cap (src/server/run.ts) is set out of the way, because its 413 is bare.
 */
import { PayloadTooLarge } from '../errors'

export const REQUEST_BODY_CEILING = 1024 * 1024

export function refuseOversizedBody(request: Request) {
	const declared = request.headers.get('content-length')
	// A length that is not a number is no bound either.
	if (declared !== null && !(Number(declared) <= REQUEST_BODY_CEILING))
		throw new PayloadTooLarge(REQUEST_BODY_CEILING)
}
