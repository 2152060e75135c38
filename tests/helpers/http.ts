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
