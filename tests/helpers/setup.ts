/**
 * Preloaded by bun test (bunfig.toml). After the last test file, the PostgreSQL test databases
 * this run made are dropped (a run that is killed leaves them to the next run's sweep). On
 * TEST_STORE=postgres a test's first app on a new template makes that template (migrate and seed
 * a database) and each app a database of its own: more than bun's default 5 s on a busy machine.
 */
import { afterAll, setDefaultTimeout } from 'bun:test'
import { dropCreatedDatabases } from './postgres'

if (process.env.TEST_STORE === 'postgres') setDefaultTimeout(30_000)

afterAll(() => dropCreatedDatabases(), { timeout: 300_000 })
