/**
 * @module posts/store
 * The posts store for whichever store the server runs on.
 */
import type { Store } from '../../../../store/port'
import { PostgresStore } from '../../../../store/postgres'
import { SqliteStore } from '../../../../store/sqlite'
import type { PostPort } from '../service'
import { postgresPosts } from './postgres'
import { sqlitePosts } from './sqlite'

export function postStore(store: Store): PostPort {
	if (store instanceof SqliteStore) return sqlitePosts(store.db)
	if (store instanceof PostgresStore) return postgresPosts(store.sql)
	throw new Error(`posts have no ${store.kind} store`)
}
