/**
 * @module grants/password
 * RFC 6749 §4.3, the resource owner password credentials grant. Legacy (RFC 9700 §2.4): for
 * first-party clients only, enabled per client.
 */
import { InvalidGrant, InvalidRequest } from '../../../errors'
import { PASSWORD_MAX_BYTES, passwordBytes } from '../../../auth/password'
import { formatScope, grantScope, parseScope, scopeList } from '../../scope'
import { issueTokens } from '../response'
import type { Grant } from './types'

/** One message for unknown user, wrong password and disabled user: no account enumeration. */
const BAD_CREDENTIALS = 'Invalid username or password'

export const password: Grant = {
	grantType: 'password',
	async handle(tessera, { params, client, address }) {
		const { username, password, scope } = params
		if (username === undefined) throw new InvalidRequest('The username parameter is required')
		if (password === undefined) throw new InvalidRequest('The password parameter is required')
		// Checked before any Argon2 run: a malformed or unknown scope costs nothing.
		const requested = parseScope(scope)
		// A password no account can have never reaches Argon2.
		if (passwordBytes(password) > PASSWORD_MAX_BYTES)
			throw new InvalidGrant(BAD_CREDENTIALS, 'password too long')

		const user = tessera.users.findByUsername(username)
		// Unknown users verify against a dummy hash with the same parameters: same path, same time.
		const matches = await tessera.passwords.verify(password, user?.passwordHash ?? null)
		if (!user || !matches || user.disabled) {
			tessera.audit.record('login.failure', { userId: user?.id, clientId: client.id, address })
			throw new InvalidGrant(
				BAD_CREDENTIALS,
				!user ? 'unknown user' : !matches ? 'wrong password' : 'disabled user'
			)
		}

		const granted = formatScope(grantScope(requested, scopeList(user.scopes), client.scopes))
		const withRefresh = client.grants.includes('refresh_token')
		const { session, refreshToken } = tessera.sessions.startUserSession(
			user.id,
			client.id,
			granted,
			withRefresh
		)
		tessera.audit.record('login.success', {
			userId: user.id,
			clientId: client.id,
			address,
			detail: { session_id: session.id }
		})
		return issueTokens(tessera, session, granted, refreshToken)
	}
}
