/**
 * @module http/json-body
 * JSON bodies of the resource API, read with a size bound. A module `.use(jsonBody())`s it; it is
 * scoped to that module, so the OAuth endpoints keep their own form parser (RFC 6749 §3.2 rules).
 */
import { Elysia } from 'elysia'
import { mediaType, readJson } from './body'

export const jsonBody = () =>
	new Elysia().onParse({ as: 'scoped' }, ({ request }) => {
		if (mediaType(request) === 'application/json') return readJson(request)
	})
