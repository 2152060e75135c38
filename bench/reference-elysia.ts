/**
 * The throughput reference of `bun run bench`: a bare Elysia app with one JSON route, run on the
 * same pinned core as the server, so Tessera's routes are measured as a fraction of Elysia itself.
 */
import { Elysia } from 'elysia'

const port = Number(process.env.PORT ?? 3000)
new Elysia().get('/', () => ({ status: 'ok' })).listen({ port, hostname: '127.0.0.1' })
