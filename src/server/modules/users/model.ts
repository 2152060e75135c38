import { t } from 'elysia'
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../../../auth/password'
import { USERNAME_PATTERN } from '../../../accounts'

/** Byte bounds are checked in the service; the character bounds here only keep Argon2 input small. */
const Password = t.String({
	minLength: 1,
	maxLength: PASSWORD_MAX_BYTES,
	description: `${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes`
})

export const UserModel = {
	registration: t.Object({
		username: t.String({
			pattern: USERNAME_PATTERN,
			description: '3–32 letters, digits, dot, dash, underscore; starts with a letter or digit'
		}),
		password: Password,
		email: t.Optional(t.String({ format: 'email', maxLength: 254 })),
		full_name: t.Optional(t.String({ maxLength: 200 }))
	}),
	passwordChange: t.Object({
		current_password: Password,
		new_password: Password
	}),
	user: t.Object(
		{
			id: t.Integer(),
			username: t.String(),
			email: t.Nullable(t.String()),
			full_name: t.Nullable(t.String()),
			disabled: t.Boolean(),
			scopes: t.Array(t.String()),
			created_at: t.String({ format: 'date-time' })
		},
		{ $id: '#/components/schemas/User', title: 'User' }
	)
} as const
