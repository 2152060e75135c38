/**
 * @module http/address
 * The client's network address, for throttling and audit. X-Forwarded-For is believed only when
 * TRUST_PROXY says a proxy sits in front; then its last entry is the one our proxy appended.
 */
import type { Server } from 'bun'
import { requestContext } from './request-context'

export function clientAddress(
	request: Request,
	server: Server<unknown> | null,
	trustProxy: boolean
): string | null {
	// Taken once per request: asking the socket is a system call (getpeername).
	const context = requestContext(request)
	if (context !== undefined) return context.address
	if (trustProxy) {
		const forwarded = request.headers.get('x-forwarded-for')
		const last = forwarded?.split(',').at(-1)?.trim()
		if (last) return last.slice(0, 64)
	}
	return server?.requestIP(request)?.address ?? null
}
