/**
 * @module posts/service
 * Posts: the demo resource, owned by the user who wrote them. Listed newest first by id, which
 * is the keyset the cursors hold.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm'
import type { Principal } from '../../auth/principal'
import { isoTime, nowSeconds, type Db } from '../../db/client'
import { posts, type Post } from '../../db/schema'
import { Forbidden } from '../../errors'

export interface PostFields {
	title: string
	content: string
}

/** What the API shows of a post. */
export function publicPost(post: Post) {
	return {
		id: post.id,
		title: post.title,
		content: post.content,
		owner_id: post.ownerId,
		created_at: isoTime(post.createdAt),
		updated_at: isoTime(post.updatedAt)
	}
}

/** docs/contract.md: the owner may change or delete a post, and so may any token with `admin`. */
export function assertMayModify(principal: Principal, post: Post): void {
	if (principal.user?.id !== post.ownerId && !principal.scopes.includes('admin'))
		throw new Forbidden('Only the owner of the post or an admin may change it')
}

export class PostStore {
	readonly #byId
	readonly #newest
	readonly #newestOfOwner

	constructor(private readonly db: Db) {
		const id = sql.placeholder('id')
		const before = sql.placeholder('before')
		const limit = sql.placeholder('limit')
		this.#byId = db.select().from(posts).where(eq(posts.id, id)).prepare()
		this.#newest = db
			.select()
			.from(posts)
			.where(lt(posts.id, before))
			.orderBy(desc(posts.id))
			.limit(limit)
			.prepare()
		this.#newestOfOwner = db
			.select()
			.from(posts)
			.where(and(eq(posts.ownerId, sql.placeholder('owner')), lt(posts.id, before)))
			.orderBy(desc(posts.id))
			.limit(limit)
			.prepare()
	}

	find(id: number): Post | undefined {
		return this.#byId.get({ id })
	}

	/** Newest first, starting below `beforeId` (the last id of the previous page). */
	list(page: { beforeId?: number; limit: number; ownerId?: number }): Post[] {
		const before = page.beforeId ?? Number.MAX_SAFE_INTEGER
		return page.ownerId === undefined
			? this.#newest.all({ before, limit: page.limit })
			: this.#newestOfOwner.all({ owner: page.ownerId, before, limit: page.limit })
	}

	create(ownerId: number, fields: PostFields): Post {
		const now = nowSeconds()
		return this.db
			.insert(posts)
			.values({ ownerId, ...fields, createdAt: now, updatedAt: now })
			.returning()
			.get()
	}

	update(id: number, changes: Partial<PostFields>): Post | undefined {
		return this.db
			.update(posts)
			.set({ ...changes, updatedAt: nowSeconds() })
			.where(eq(posts.id, id))
			.returning()
			.get()
	}

	delete(id: number): boolean {
		return this.db.delete(posts).where(eq(posts.id, id)).returning({ id: posts.id }).all().length > 0
	}
}
