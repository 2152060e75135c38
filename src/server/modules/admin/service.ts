/**
 * @module admin/service
 * What an administrator does, through the API or the CLI alike. Every change takes effect on
 * live tokens at once and leaves an audit event naming who made it.
 */
import { checkPasswordLength, type Account } from '../../../accounts'
import type { Principal } from '../../../auth/principal'
import { isoTime } from '../../../clock'
import type { AuditEventRow as AuditEvent, ClientRow as Client, EndedSession } from '../../../store/port'
import { InvalidRequest, NotFound } from '../../../errors'
import { CLIENT_ID_PATTERN, type NewClient } from '../../../oauth/clients'
import type { ServerScope } from '../../scopes'
import type { Tessera } from '../../../tessera'

type ServerTessera = Tessera<ServerScope>

/** What the audit trail says of the sessions a change ended: how many, and which. */
export const endedSessions = (ended: readonly EndedSession[]) => ({
	sessions_ended: ended.length,
	session_ids: ended.map((session) => session.id)
})

/** Who made a change: a bearer token at the admin API, or an operator at the CLI. */
export type Actor = { principal: Principal<ServerScope>; address: string | null } | 'cli'

const by = (actor: Actor) =>
	actor === 'cli'
		? 'cli'
		: actor.principal.user
			? `user:${actor.principal.user.id}`
			: `client:${actor.principal.clientId}`

const origin = (actor: Actor) =>
	actor === 'cli' ? {} : { clientId: actor.principal.clientId, address: actor.address }

export function publicClient(tessera: ServerTessera, client: Client) {
	return {
		client_id: client.id,
		name: client.name,
		confidential: client.secretHash !== null,
		grants: client.grants === '' ? [] : client.grants.split(' '),
		scopes: tessera.settings.scopes.list(client.scopes),
		created_at: isoTime(client.createdAt)
	}
}

export function publicAuditEvent(event: AuditEvent) {
	return {
		id: event.id,
		at: isoTime(event.at),
		type: event.type,
		user_id: event.userId,
		client_id: event.clientId,
		address: event.address,
		detail: event.detail
	}
}

/**
 * Changes a user's state and scopes. Disabling ends every session at once; so does removing a
 * scope, since a session keeps the scope it was granted for as long as it is refreshed.
 */
export async function updateUser(
	tessera: ServerTessera,
	user: Account<ServerScope>,
	changes: { disabled?: boolean; scopes?: ServerScope[] },
	actor: Actor
): Promise<{ user: Account<ServerScope>; sessionsEnded: number }> {
	const updated = await tessera.users.update(user.id, changes)
	if (!updated) throw new NotFound('No such user')
	let sessionsEnded = 0
	if (updated.disabled !== user.disabled) {
		const ended = updated.disabled ? await tessera.sessions.endAllForUser(user.id, 'user_disabled') : []
		sessionsEnded += ended.length
		await tessera.audit.record(updated.disabled ? 'user.disabled' : 'user.enabled', {
			userId: user.id,
			...origin(actor),
			detail: { by: by(actor), ...endedSessions(ended) }
		})
	}
	if (updated.scopes.join(' ') !== user.scopes.join(' ')) {
		const removed = user.scopes.filter((scope) => !updated.scopes.includes(scope))
		const ended = removed.length > 0 ? await tessera.sessions.endAllForUser(user.id, 'admin') : []
		sessionsEnded += ended.length
		await tessera.audit.record('user.scopes_changed', {
			userId: user.id,
			...origin(actor),
			detail: { by: by(actor), scopes: updated.scopes.join(' '), ...endedSessions(ended) }
		})
	}
	return { user: updated, sessionsEnded }
}

/**
 * Sets a user's password (the length rules of registration apply) and ends every session of
 * theirs: whoever knew the old password, or holds a token from it, is out (RFC 9700 §4.14.2).
 */
export async function setUserPassword(
	tessera: ServerTessera,
	user: Account<ServerScope>,
	password: string,
	actor: Actor
): Promise<{ sessionsEnded: number }> {
	checkPasswordLength(password)
	await tessera.users.setPassword(user.id, password)
	const ended = await tessera.sessions.endAllForUser(user.id, 'password_changed')
	await tessera.audit.record('user.password_changed', {
		userId: user.id,
		...origin(actor),
		detail: {
			by: by(actor),
			...endedSessions(ended)
		}
	})
	return { sessionsEnded: ended.length }
}

/**
 * Deletes a user. Their sessions are ended first, so the audit event can name them (and every
 * instance hears of them as ended); the delete then cascades to what is left: a session started
 * in between, refresh tokens, and in the server app the user's posts. Audit events stay.
 */
export async function deleteUser(
	tessera: ServerTessera,
	user: Account<ServerScope>,
	actor: Actor
): Promise<{ sessionsEnded: number }> {
	const ended = await tessera.sessions.endAllForUser(user.id, 'user_deleted')
	if (!(await tessera.users.delete(user.id))) throw new NotFound('No such user')
	await tessera.audit.record('user.deleted', {
		userId: user.id,
		...origin(actor),
		detail: {
			by: by(actor),
			// The row is gone: the audit trail is where the name stays attached to the id.
			username: user.username,
			...endedSessions(ended)
		}
	})
	return { sessionsEnded: ended.length }
}

/** What makes a client usable; the store would keep any strings. */
function checkNewClient(client: NewClient): void {
	if (!CLIENT_ID_PATTERN.test(client.id))
		throw new InvalidRequest(
			'The client_id must start with a letter and have at most 64 letters, digits or . _ ~ -'
		)
	if (client.grants.length === 0 || client.scopes.length === 0)
		throw new InvalidRequest('A client needs at least one grant and one scope')
	// RFC 6749 §4.4.2: "The client credentials grant type MUST only be used by confidential clients."
	if (!client.confidential && client.grants.includes('client_credentials'))
		throw new InvalidRequest('A public client may not use client_credentials; make it confidential')
	if (client.grants.includes('refresh_token') && !client.grants.includes('password'))
		throw new InvalidRequest(
			'refresh_token needs the password grant, the only one that issues refresh tokens'
		)
}

/** Creates a client; the secret (confidential clients) is in the result and nowhere else. */
export async function createClient(tessera: ServerTessera, client: NewClient, actor: Actor) {
	checkNewClient(client)
	const created = await tessera.clients.create(client)
	await tessera.audit.record('client.created', {
		userId: actor === 'cli' ? null : actor.principal.user?.id,
		...origin(actor),
		clientId: client.id,
		detail: { by: by(actor) }
	})
	return created
}

/** Deletes a client; its sessions, and so all its tokens, go with it. */
export async function deleteClient(tessera: ServerTessera, clientId: string, actor: Actor): Promise<void> {
	const ended = await tessera.clients.delete(clientId)
	if (!ended) throw new NotFound('No such client')
	await tessera.audit.record('client.deleted', {
		userId: actor === 'cli' ? null : actor.principal.user?.id,
		...origin(actor),
		clientId,
		detail: { by: by(actor), ...endedSessions(ended) }
	})
}
