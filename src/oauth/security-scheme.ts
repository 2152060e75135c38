/**
 * @module oauth/security-scheme
 * The OpenAPI security scheme of the token server: the password flow against its token endpoint,
 * listing the instance's scope catalog. A host app puts it in its own Swagger document to get a
 * working Authorize button (routes protected by bearerAuth already name it, as `oauth2`).
 */
import type { Settings } from '../options'

export const SECURITY_SCHEME_NAME = 'oauth2'

export function oauth2SecurityScheme({ scopes }: Pick<Settings, 'scopes'>) {
	return {
		type: 'oauth2' as const,
		description:
			'Password flow against /oauth/token. Leave client_id and client_secret empty to act as the ' +
			'public client `default`; tick no scope to be granted everything you are allowed.',
		flows: {
			password: {
				tokenUrl: '/oauth/token',
				refreshUrl: '/oauth/token',
				scopes: { ...scopes.descriptions } as Record<string, string>
			}
		}
	}
}
