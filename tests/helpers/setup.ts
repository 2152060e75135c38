/**
 * Preloaded by bun test (bunfig.toml): after the last test file, the PostgreSQL test databases
 * this run made are dropped (a run that is killed leaves them to the next run's sweep).
 */
import { afterAll } from 'bun:test'
import { dropCreatedDatabases } from './postgres'

afterAll(() => dropCreatedDatabases(), { timeout: 300_000 })
