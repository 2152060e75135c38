/**
 * @module posts/service
 * Posts: the demo resource, owned by the user who wrote them. Listed newest first by id, which
 * is the keyset the cursors hold.
 */
import type { Principal } from '../../../auth/principal'
import { isoTime } from '../../../clock'
import { Forbidden } from '../../../errors'

export interface Post {
	id: number
	ownerId: number
	title: string
	content: string
	createdAt: number
	updatedAt: number
}

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

/** Where posts are kept: one implementation per store (posts/store/). */
export interface PostPort {
	find(id: number): Promise<Post | null>
	/** Newest first, starting below `beforeId` (the last id of the previous page). */
	list(page: { beforeId?: number; limit: number; ownerId?: number }): Promise<Post[]>
	create(ownerId: number, fields: PostFields, now: number): Promise<Post>
	update(id: number, changes: Partial<PostFields>, now: number): Promise<Post | null>
	delete(id: number): Promise<boolean>
}
