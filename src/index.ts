/**
 * @module tessera
 * The public API: build a Tessera instance from typed options, then mount its plugins in any
 * Elysia app. The scope catalog types everything after it.
 *
 *     const tessera = await createTessera({
 *         database: { path: './auth.sqlite' },
 *         issuer: 'https://id.example.com',
 *         scopes: { 'orders:read': 'Read your orders' }
 *     })
 *     new Elysia()
 *         .use(tokenServer(tessera))   // /oauth/token, /oauth/revoke, /oauth/introspect, metadata, JWKS
 *         .use(bearerAuth(tessera))    // route options { scope: [...] } and { user: [...] }
 *         .get('/orders', ({ user }) => user.username, { user: ['orders:read'] })
 */
export type { Account, NewAccount } from './accounts'
export { bearerAuth } from './auth/bearer'
export type { ClientPrincipal, Principal, UserPrincipal } from './auth/principal'
export type { Clock } from './clock'
export { ConfigError } from './config-error'
export * from './errors'
export type { Logger, LogLevel } from './http/logger'
export { prune, type PruneResult } from './maintenance'
export { tokenServer } from './oauth'
export { oauth2SecurityScheme, SECURITY_SCHEME_NAME } from './oauth/security-scheme'
export type { DatabaseOption, PasswordOptions, Settings, TesseraOptions } from './options'
export type { Store } from './store/port'
export { createTessera, type Tessera } from './tessera'
