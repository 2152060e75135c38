/**
 * @module users/service
 * What the server app's user routes add to the core's accounts.
 */
import type { ServerScope } from '../../scopes'

/** What a self-registered user may be granted; `admin` only ever comes from an admin. */
export const REGISTERED_USER_SCOPES = ['profile', 'posts:read', 'posts:write'] as const satisfies ServerScope[]
