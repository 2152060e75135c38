/**
 * @module http/pagination
 * docs/contract.md lists: `?limit=` 1–100 (default 20) and an opaque `?cursor=`, answered with
 * `{items, next_cursor}`. Keyset pagination: the cursor holds the sort key of the last item
 * shown, so a walk has no gaps or duplicates whatever is inserted or deleted meanwhile (an
 * offset would shift under it).
 */
import { t, type TSchema } from 'elysia'
import { InvalidRequest } from '../errors'
import { integer, text } from './query'

export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

export const PAGE_QUERY = {
	limit: integer(`Items per page; default ${DEFAULT_PAGE_SIZE}`, 1, MAX_PAGE_SIZE),
	cursor: text('Opaque: the next_cursor of the previous page', 256)
}

export interface PageRequest<K> {
	limit: number
	/** Rows to fetch: one more than shown tells whether another page follows. */
	take: number
	/** The sort key of the last item of the previous page. */
	after?: K
}

export interface Page<T> {
	items: T[]
	next_cursor: string | null
}

/** The documented shape of a list answer. */
export const pageOf = (item: TSchema) =>
	t.Object({
		items: t.Array(item),
		next_cursor: t.Nullable(t.String({ description: 'null on the last page' }))
	})

type KeyKind = 'integer' | 'string'
type KeyOf<Kind extends KeyKind> = Kind extends 'integer' ? number : string

/**
 * One list's cursors. The cursor names its list, so a cursor of another list is refused rather
 * than read as a position it never meant.
 */
export class Keyset<Kind extends KeyKind> {
	constructor(
		private readonly list: string,
		private readonly kind: Kind
	) {}

	read(query: { limit?: number; cursor?: string }): PageRequest<KeyOf<Kind>> {
		const limit = query.limit ?? DEFAULT_PAGE_SIZE
		return {
			limit,
			take: limit + 1,
			...(query.cursor === undefined ? {} : { after: this.#decode(query.cursor) })
		}
	}

	/** `rows` as fetched with `take`; the last row, if any, only proves there is more. */
	page<Row, Item>(
		rows: Row[],
		{ limit }: PageRequest<KeyOf<Kind>>,
		keyOf: (row: Row) => KeyOf<Kind>,
		present: (row: Row) => Item
	): Page<Item> {
		const shown = rows.slice(0, limit)
		const last = shown.at(-1)
		return {
			items: shown.map(present),
			next_cursor: rows.length > limit && last !== undefined ? this.#encode(keyOf(last)) : null
		}
	}

	#encode(key: KeyOf<Kind>): string {
		return Buffer.from(JSON.stringify([this.list, key])).toString('base64url')
	}

	#decode(cursor: string): KeyOf<Kind> {
		let decoded: unknown
		try {
			// Only the exact encoding we hand out: base64url decoding alone forgives stray characters.
			const json = Buffer.from(cursor, 'base64url').toString()
			decoded = Buffer.from(json).toString('base64url') === cursor ? JSON.parse(json) : null
		} catch {
			decoded = null
		}
		const [list, key] = Array.isArray(decoded) && decoded.length === 2 ? decoded : []
		const valid =
			list === this.list &&
			(this.kind === 'integer'
				? Number.isSafeInteger(key) && key >= 0
				: typeof key === 'string' && key.length <= 256)
		if (!valid)
			throw new InvalidRequest('The cursor is invalid; pass the next_cursor of the previous page')
		return key as KeyOf<Kind>
	}
}
