/**
 * @module http/allowed-methods
 * RFC 9110 §15.5.6: a path the app serves, asked with a method it does not serve, gets 405 and an
 * Allow header listing the methods it does; a path it does not serve stays 404. Built once from
 * the app's routes (path parameters match any one segment), and consulted only when routing
 * found nothing, so a routed request never pays for it.
 */

interface Route {
	readonly method: string
	readonly path: string
}

/** The Allow header value for a path, or undefined when no route has that path. */
export type AllowedMethods = (path: string) => string | undefined

export function allowedMethods(routes: readonly Route[]): AllowedMethods {
	const patterns = new Map<string, { segments: string[]; methods: Set<string> }>()
	for (const { method, path } of routes) {
		const pattern = withoutTrailingSlash(path)
		let entry = patterns.get(pattern)
		if (!entry) patterns.set(pattern, (entry = { segments: pattern.split('/'), methods: new Set() }))
		entry.methods.add(method.toUpperCase())
		// Elysia answers HEAD for every GET route (RFC 9110 §9.3.2).
		if (method.toUpperCase() === 'GET') entry.methods.add('HEAD')
	}
	const entries = [...patterns.values()]
	return (path) => {
		const segments = withoutTrailingSlash(path).split('/')
		const methods = new Set<string>()
		for (const entry of entries)
			if (matches(entry.segments, segments)) for (const method of entry.methods) methods.add(method)
		return methods.size === 0 ? undefined : [...methods].sort().join(', ')
	}
}

/** Elysia routes `/health/` as `/health`. */
const withoutTrailingSlash = (path: string) =>
	path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path

function matches(pattern: string[], segments: string[]) {
	for (let i = 0; i < pattern.length; i++) {
		const part = pattern[i]!
		if (part === '*') return true
		const segment = segments[i]
		if (segment === undefined) return false
		if (part.startsWith(':') ? segment === '' : part !== segment) return false
	}
	return pattern.length === segments.length
}
