/** Small request builders for tests. */

export const basic = (id: string, secret: string) =>
	`Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

export function form(
	fields: Record<string, string> | string,
	headers: Record<string, string> = {}
): RequestInit {
	return {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
		body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString()
	}
}

export function json(body: unknown, method = 'POST', headers: Record<string, string> = {}): RequestInit {
	return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

export const bearer = (token: string, init: RequestInit = {}): RequestInit => ({
	...init,
	headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` }
})

export async function body(response: Response): Promise<any> {
	return response.json()
}

/** Logs in through the token endpoint and returns the token response. */
export async function login(
	request: (path: string, init?: RequestInit) => Promise<Response>,
	username = 'johndoe',
	password = 'secret',
	extra: Record<string, string> = {},
	headers: Record<string, string> = {}
): Promise<{
	access_token: string
	refresh_token?: string
	scope: string
	expires_in: number
	token_type: string
}> {
	const response = await request(
		'/oauth/token',
		form({ grant_type: 'password', username, password, ...extra }, headers)
	)
	if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`)
	return response.json() as never
}

type Send = (path: string, init?: RequestInit) => Promise<Response>

/** The status of a password-grant attempt. */
export async function loginStatus(request: Send, username: string, password: string): Promise<number> {
	return (await request('/oauth/token', form({ grant_type: 'password', username, password }))).status
}

/** A client_credentials request as a confidential client (HTTP Basic). */
export function clientCredentials(
	request: Send,
	clientId: string,
	secret: string,
	fields: Record<string, string> = {}
) {
	return request(
		'/oauth/token',
		form({ grant_type: 'client_credentials', ...fields }, { authorization: basic(clientId, secret) })
	)
}

export function changePassword(request: Send, accessToken: string, current: string, next: string) {
	return request(
		'/users/me/password',
		bearer(accessToken, json({ current_password: current, new_password: next }, 'PUT'))
	)
}
