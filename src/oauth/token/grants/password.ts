/**
 * @module grants/password
 * RFC 6749 §4.3, the resource owner password credentials grant. Legacy (RFC 9700 §2.4): for
 * first-party clients only, enabled per client.
 *
 * Every request that names a username takes one path: throttle admission (429 before any Argon2
 * run), one user lookup, exactly one Argon2 run. Unknown user, wrong password, disabled user and
 * an empty password therefore cost the same time (RFC 6749 §10.10: no hint for guessing).
 */
import { PasswordHasherBusy } from '../../../auth/password'
import { InvalidGrant, InvalidRequest, TooManyRequests } from '../../../errors'
import { issueTokens } from '../response'
import type { Grant } from './types'

/** One message for unknown user, wrong password and disabled user: no account enumeration. */
const BAD_CREDENTIALS = 'Invalid username or password'

export const password: Grant = {
	grantType: 'password',
	async handle(tessera, { params, client, address }) {
		const { username, password, scope } = params
		const { scopes } = tessera.settings
		if (username === undefined) throw new InvalidRequest('The username parameter is required')
		// Checked before any Argon2 run: a malformed or unknown scope costs nothing.
		const requested = scopes.parse(scope)
		const from = address()
		// §3.2 counts an empty password as omitted; it still pays its Argon2 run.
		const verdict = await tessera.users.verifyPassword(
			{ username, password, address: from, clientId: client.id },
			'login.failure'
		).catch((error: unknown) => {
			// Refused before any password was compared.
			if (error instanceof TooManyRequests) tessera.metrics.login('throttled')
			else if (error instanceof PasswordHasherBusy) tessera.metrics.login('argon2_queue_full')
			throw error
		})
		// §5.2: a missing parameter is invalid_request, whatever the credentials.
		if (password === undefined) throw new InvalidRequest('The password parameter is required')
		if (!verdict.ok) {
			tessera.metrics.login('invalid_grant')
			throw new InvalidGrant(BAD_CREDENTIALS, verdict.reason)
		}
		const { account } = verdict

		const granted = scopes.format(scopes.grant(requested, account.scopes, client.scopes))
		const withRefresh = client.grants.includes('refresh_token')
		const { session, refreshToken } = await tessera.sessions.startUserSession(
			account.id,
			client.id,
			granted,
			withRefresh
		)
		await tessera.audit.record('login.success', {
			userId: account.id,
			sessionId: session.id,
			clientId: client.id,
			address: from
		})
		const tokens = await issueTokens(tessera, session, granted, refreshToken)
		tessera.metrics.login('success')
		tessera.metrics.tokenIssued('password')
		return tokens
	}
}
