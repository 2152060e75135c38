/**
 * @module oauth/security-scheme
 * The OpenAPI security scheme of the token server: the password flow against its token endpoint,
 * listing the instance's scope catalog. A host app puts it in its own Swagger document to get a
 * working Authorize button (routes protected by bearerAuth already name it, as `oauth2`).
 */
import type { Settings } from '../options'

export const SECURITY_SCHEME_NAME = 'oauth2'

/** What Swagger UI's Authorize dialog says about the password flow. */
export const OAUTH2_DESCRIPTION =
	'Password flow (RFC 6749 §4.3) against /oauth/token. Enter your username and password, and ' +
	'leave client_id and client_secret empty: the public client `default` is used. Tick the scopes ' +
	'the token should carry; ticking none means everything you are allowed.'

export function oauth2SecurityScheme({ scopes }: Pick<Settings, 'scopes'>) {
	return {
		type: 'oauth2' as const,
		description: OAUTH2_DESCRIPTION,
		flows: {
			password: {
				tokenUrl: '/oauth/token',
				refreshUrl: '/oauth/token',
				scopes: { ...scopes.descriptions } as Record<string, string>
			}
		}
	}
}
