/**
 * @module tessera
 * The public API: build a Tessera instance, then mount its plugins in any Elysia app.
 *
 *     const tessera = await createTessera({ config: loadConfig() })
 *     new Elysia()
 *         .use(tokenServer(tessera))   // POST /oauth/token
 *         .use(bearerAuth(tessera))    // route options { scope: [...] } and { user: [...] }
 *         .get('/hello', ({ user }) => `hello ${user.username}`, { user: ['profile'] })
 */
export { createApp } from './app'
export { bearerAuth } from './auth/bearer'
export type { ClientPrincipal, Principal, UserPrincipal } from './auth/principal'
export { ConfigError, loadConfig, type Config } from './config'
export type { Store } from './store/port'
export { SqliteStore } from './store/sqlite'
export * from './errors'
export { SCOPES, type Scope } from './oauth/scope'
export { tokenServer } from './oauth'
export { createTessera, type Tessera, type TesseraOptions } from './tessera'
