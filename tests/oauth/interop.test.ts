/**
 * A strict third-party client, oauth4webapi, drives the server through discovery and every
 * endpoint; it rejects any response that strays from the RFCs.
 */
import { describe, expect, test } from 'bun:test'
import * as oauth from 'oauth4webapi'
import { createTestApp, ISSUER, type TestApp } from '../helpers/app'

async function discover(t: TestApp) {
	const issuer = new URL(ISSUER)
	const options = {
		[oauth.allowInsecureRequests]: true,
		[oauth.customFetch]: (url: string, init: RequestInit) => t.app.handle(new Request(url, init))
	}
	const as = await oauth.processDiscoveryResponse(
		issuer,
		await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' })
	)
	return { as, options }
}

async function passwordGrant(
	as: oauth.AuthorizationServer,
	client: oauth.Client,
	auth: oauth.ClientAuth,
	parameters: Record<string, string>,
	options: Awaited<ReturnType<typeof discover>>['options']
) {
	const response = await oauth.genericTokenEndpointRequest(
		as,
		client,
		auth,
		'password',
		parameters,
		options
	)
	return oauth.processGenericTokenEndpointResponse(as, client, response)
}

const publicClient: oauth.Client = { client_id: 'default' }
const app: oauth.Client = { client_id: 'demo-app' }
const service: oauth.Client = { client_id: 'demo-service' }

describe('interoperability with oauth4webapi (RFC 8414, 6749, 7009, 7662, 9068)', () => {
	test('RFC 8414: discovery is accepted', async () => {
		const { as } = await discover(await createTestApp())
		expect(as.issuer).toBe(ISSUER)
		expect(as.token_endpoint).toBe(`${ISSUER}/oauth/token`)
	})

	test('RFC 6749 §4.3 + §6: password grant (generic grant request), then refresh, accepted by the client', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const auth = oauth.ClientSecretBasic('demo-app-secret')
		const login = await passwordGrant(
			as,
			app,
			auth,
			{ username: 'johndoe', password: 'secret', scope: 'profile posts:read' },
			options
		)
		expect(login.token_type).toBe('bearer')
		expect(login.scope).toBe('profile posts:read')
		const refreshed = await oauth.processRefreshTokenResponse(
			as,
			app,
			await oauth.refreshTokenGrantRequest(as, app, auth, login.refresh_token!, options)
		)
		expect(refreshed.refresh_token).not.toBe(login.refresh_token)
	})

	test('RFC 6749 §4.3: a public client (auth method none) logs in', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const tokens = await passwordGrant(
			as,
			publicClient,
			oauth.None(),
			{ username: 'johndoe', password: 'secret' },
			options
		)
		expect(tokens.access_token).toBeString()
	})

	test('RFC 6749 §5.2: errors are parsed as RFC errors by the client', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const response = await oauth.genericTokenEndpointRequest(
			as,
			publicClient,
			oauth.None(),
			'password',
			{ username: 'johndoe', password: 'wrong' },
			options
		)
		const error = await oauth
			.processGenericTokenEndpointResponse(as, publicClient, response)
			.catch((e) => e)
		expect(error).toBeInstanceOf(oauth.ResponseBodyError)
		expect(error.error).toBe('invalid_grant')
	})

	test('RFC 6749 §4.4: client credentials with client_secret_post', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const response = await oauth.clientCredentialsGrantRequest(
			as,
			service,
			oauth.ClientSecretPost('demo-service-secret'),
			new URLSearchParams(),
			options
		)
		const tokens = await oauth.processClientCredentialsResponse(as, service, response)
		expect(tokens.scope).toBe('posts:read')
		expect(tokens.refresh_token).toBeUndefined()
	})

	test('RFC 7662 + RFC 7009: introspection, then revocation, then introspection says inactive', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const auth = oauth.ClientSecretBasic('demo-app-secret')
		const login = await passwordGrant(as, app, auth, { username: 'johndoe', password: 'secret' }, options)
		// RFC 7662 §2.2: a client introspects the tokens issued to itself.
		const active = await oauth.processIntrospectionResponse(
			as,
			app,
			await oauth.introspectionRequest(as, app, auth, login.access_token, options)
		)
		expect(active.active).toBe(true)
		expect(active.username).toBe('johndoe')
		await oauth.processRevocationResponse(
			await oauth.revocationRequest(as, app, auth, login.refresh_token!, options)
		)
		const inactive = await oauth.processIntrospectionResponse(
			as,
			app,
			await oauth.introspectionRequest(as, app, auth, login.access_token, options)
		)
		expect(inactive).toEqual({ active: false })
	})

	test('RFC 9068 §4: validateJwtAccessToken accepts our tokens against the published JWKS', async () => {
		const t = await createTestApp()
		const { as, options } = await discover(t)
		const tokens = await passwordGrant(
			as,
			publicClient,
			oauth.None(),
			{ username: 'johndoe', password: 'secret' },
			options
		)
		const request = new Request(`${ISSUER}/users/me`, {
			headers: { authorization: `Bearer ${tokens.access_token}` }
		})
		const claims = await oauth.validateJwtAccessToken(as, request, ISSUER, options)
		expect(claims.client_id).toBe('default')
		expect(claims.scope).toBe('profile posts:read posts:write')
	})
})
