import { t } from 'elysia'
import { pageOf } from '../../../http/pagination'
import { CLIENT_ID_PATTERN, GRANT_TYPES } from '../../../oauth/clients'
import { SERVER_SCOPE_NAMES, type ServerScope } from '../../scopes'
import { UserModel } from '../users/model'

/** No `default`: Elysia's UnionEnum adds one, which documents a value nobody chose. */
const ScopeEnum = t.UnionEnum([...SERVER_SCOPE_NAMES] as [ServerScope, ...ServerScope[]], { default: undefined })
const GrantEnum = t.UnionEnum(GRANT_TYPES, { default: undefined })

const clientProperties = {
	client_id: t.String(),
	name: t.String(),
	confidential: t.Boolean({ description: 'Has a secret; false for a public client' }),
	grants: t.Array(t.String()),
	scopes: t.Array(t.String()),
	created_at: t.String({ format: 'date-time' })
}

const client = t.Object(clientProperties, { $id: '#/components/schemas/Client', title: 'Client' })

const auditEvent = t.Object(
	{
		id: t.Integer(),
		at: t.String({ format: 'date-time' }),
		type: t.String({ examples: ['login.success'] }),
		user_id: t.Nullable(t.Integer()),
		client_id: t.Nullable(t.String()),
		address: t.Nullable(t.String()),
		detail: t.Nullable(t.Record(t.String(), t.Unknown()))
	},
	{ $id: '#/components/schemas/AuditEvent', title: 'AuditEvent' }
)

export const AdminModel = {
	userChanges: t.Object(
		{
			disabled: t.Optional(
				t.Boolean({ description: 'Disabling ends every session of the user at once' })
			),
			scopes: t.Optional(
				t.Array(ScopeEnum, {
					description: 'Replaces the scopes; removing one ends the user’s sessions'
				})
			)
		},
		{ minProperties: 1 }
	),
	newClient: t.Object({
		client_id: t.String({ pattern: CLIENT_ID_PATTERN.source }),
		name: t.Optional(t.String({ maxLength: 200 })),
		confidential: t.Boolean({ description: 'Give it a secret; client_credentials needs one' }),
		grants: t.Array(GrantEnum, { minItems: 1 }),
		scopes: t.Array(ScopeEnum, { minItems: 1 })
	}),
	client,
	createdClient: t.Object(
		{
			...clientProperties,
			client_secret: t.Optional(t.String({ description: 'Confidential clients only; shown this once' }))
		},
		{ $id: '#/components/schemas/CreatedClient', title: 'CreatedClient' }
	),
	auditEvent,
	usersPage: pageOf(UserModel.user),
	clientsPage: pageOf(client),
	auditPage: pageOf(auditEvent)
} as const
