/**
 * Preloaded by bun test (bunfig.toml). A test's timeout only catches a hang: what a test proves
 * never rests on how fast a busy machine is (a first app on PostgreSQL makes its template, a
 * process starts), so every test gets 30 s unless it asks for more. A PostgreSQL database a test
 * made is given back when it ends (tests/helpers/postgres.ts); after each file (under --parallel;
 * else after the last), every one this process made is dropped (a run that is killed leaves them
 * to the next run's sweep).
 */
import { afterAll, afterEach, beforeEach, setDefaultTimeout } from 'bun:test'
import { dropCreatedDatabases, testEnded, testStarted } from './postgres'

setDefaultTimeout(30_000)

beforeEach(testStarted)
afterEach(testEnded)
afterAll(() => dropCreatedDatabases(), { timeout: 300_000 })
