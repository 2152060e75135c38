/**
 * An Eden treaty client over a host app with tokenServer and bearerAuth gets typed bodies and
 * responses: the OAuth endpoints declare their parameters and answers in type only
 * (src/oauth/model.ts typeOnly), since they parse and check their own forms at run time.
 */
import { treaty } from '@elysiajs/eden'
import { Elysia } from 'elysia'
import { bearerAuth, tokenServer, type Tessera } from '../../src/index'
import { expectType, type Exact } from './assert'

declare const tessera: Tessera<'orders:read' | 'orders:write'>

const app = new Elysia()
	.use(tokenServer(tessera))
	.use(bearerAuth(tessera))
	.get('/orders', ({ user }) => ({ owner: user.username }), { user: ['orders:read'] })

const api = treaty<typeof app>('http://localhost:3000')

interface ErrorBody {
	error: string
	error_description: string
	scope?: string | undefined
}

export async function login() {
	const { data, error } = await api.oauth.token.post({
		grant_type: 'password',
		username: 'carol',
		password: 'a long passphrase',
		scope: 'orders:read'
	})
	if (data) {
		expectType<Exact<typeof data.access_token, string>>(true)
		expectType<Exact<typeof data.token_type, 'Bearer'>>(true)
		expectType<Exact<typeof data.expires_in, number>>(true)
		expectType<Exact<typeof data.refresh_token, string | undefined>>(true)
		expectType<Exact<typeof data.scope, string>>(true)
	}
	if (error) {
		// Elysia's types add its own 422 to every route with a body schema; Tessera answers 400
		// instead (docs/contract.md), so the statuses that matter are checked one by one.
		expectType<Exact<Exclude<typeof error.status, 422>, 400 | 401 | 413 | 429 | 503>>(true)
		if (error.status === 400) expectType<Exact<typeof error.value, ErrorBody>>(true)
		if (error.status === 429) expectType<Exact<typeof error.value, ErrorBody>>(true)
	}
	// @ts-expect-error a grant type the token endpoint does not serve
	await api.oauth.token.post({ grant_type: 'authorization_code' })
	// @ts-expect-error grant_type is required
	await api.oauth.token.post({ username: 'carol', password: 'a long passphrase' })
	// @ts-expect-error parameters are strings
	await api.oauth.token.post({ grant_type: 'password', username: 'carol', password: 42 })
}

export async function refreshRevokeIntrospect(refreshToken: string) {
	const refreshed = await api.oauth.token.post({ grant_type: 'refresh_token', refresh_token: refreshToken })
	expectType<Exact<NonNullable<typeof refreshed.data>['access_token'], string>>(true)
	await api.oauth.revoke.post({ token: refreshToken, token_type_hint: 'refresh_token' })
	// @ts-expect-error RFC 7009: token is required
	await api.oauth.revoke.post({ token_type_hint: 'refresh_token' })
	const { data } = await api.oauth.introspect.post({ token: refreshToken })
	if (data) expectType<Exact<typeof data.active, boolean>>(true)
}

export async function protectedRoute(accessToken: string) {
	const { data } = await api.orders.get({ headers: { authorization: `Bearer ${accessToken}` } })
	if (data) expectType<Exact<typeof data, { owner: string }>>(true)
}
