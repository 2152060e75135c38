import { t } from 'elysia'
import { pageOf } from '../../../http/pagination'

/** docs/contract.md: a title of 1–200 characters, content of at most 20 000 (counted as JavaScript does, in UTF-16 units). */
export const TITLE_MAX_LENGTH = 200
export const CONTENT_MAX_LENGTH = 20_000

const Title = t.String({ minLength: 1, maxLength: TITLE_MAX_LENGTH })
const Content = t.String({ maxLength: CONTENT_MAX_LENGTH })

const post = t.Object(
	{
		id: t.Integer(),
		title: t.String(),
		content: t.String(),
		owner_id: t.Integer({ description: 'The id of the user who wrote it' }),
		created_at: t.String({ format: 'date-time' }),
		updated_at: t.String({ format: 'date-time' })
	},
	{ $id: '#/components/schemas/Post', title: 'Post' }
)

export const PostModel = {
	create: t.Object({ title: Title, content: Content }),
	/** PATCH is partial, but says what to change. */
	update: t.Object({ title: t.Optional(Title), content: t.Optional(Content) }, { minProperties: 1 }),
	post,
	page: pageOf(post)
} as const
