/**
 * @module http/json-body
 * Bodies of the resource API, read with a size bound. A module `.use(jsonBody())`s it; it is
 * scoped to that module, so the OAuth endpoints keep their own form parser (RFC 6749 §3.2 rules).
 * JSON is parsed; any other body is kept as text, which no route schema accepts (400): no other
 * parser ever reads an unbounded body.
 */
import { Elysia } from 'elysia'
import { JSON_BODY_LIMIT, mediaType, readBodyText, readJson } from './body'

export const jsonBody = () =>
	new Elysia().onParse({ as: 'scoped' }, ({ request }) => {
		if (request.body === null) return
		return mediaType(request) === 'application/json'
			? readJson(request)
			: readBodyText(request, JSON_BODY_LIMIT)
	})
