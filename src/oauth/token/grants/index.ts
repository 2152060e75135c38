import { clientCredentials } from './client-credentials'
import { password } from './password'
import { refreshToken } from './refresh-token'
import type { Grant } from './types'

/** The grants of the token endpoint, looked up by `grant_type`. */
export const grants: Readonly<Record<string, Grant>> = Object.freeze({
	[password.grantType]: password,
	[refreshToken.grantType]: refreshToken,
	[clientCredentials.grantType]: clientCredentials
})

export function findGrant(grantType: string): Grant | undefined {
	// Object.hasOwn: `constructor` or `__proto__` is never a grant.
	return Object.hasOwn(grants, grantType) ? grants[grantType] : undefined
}

export type { Grant, GrantRequest } from './types'
