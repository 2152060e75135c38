/**
 * @module posts/store
 * The posts store for whichever store the server runs on.
 */
import type { Store } from '../../../../store/port'
import { SqliteStore } from '../../../../store/sqlite'
import type { PostPort } from '../service'
import { sqlitePosts } from './sqlite'

export function postStore(store: Store): PostPort {
	if (store instanceof SqliteStore) return sqlitePosts(store.db)
	throw new Error(`posts have no ${store.kind} store`)
}
