/**
 * @module production
 * Imported first by the runnable server (`bun run start`, `bun run demo`), before anything loads
 * Elysia: Elysia reads NODE_ENV once, when its error module loads. In development mode every
 * ValidationError formats the whole rejected value with an example of the expected one (seconds
 * and gigabytes for a deeply nested body), and Bun.serve runs with `development: true`. The
 * runnable server is never a development build, so the mode is not left to the environment.
 * A host app that mounts the plugins chooses its own mode.
 */
process.env.NODE_ENV = 'production'
