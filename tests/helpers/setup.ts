/**
 * Preloaded by bun test (bunfig.toml). A test's timeout only catches a hang: what a test proves
 * never rests on how fast a busy machine is (a first app on PostgreSQL makes its template, a
 * process starts), so every test gets 30 s unless it asks for more. A PostgreSQL copy a test took
 * is given back when the test ends, and what the file left is closed after it; the databases
 * themselves are dropped at the end of the run (tests/helpers/postgres.ts).
 */
import { afterAll, afterEach, beforeEach, setDefaultTimeout } from 'bun:test'
import { fileEnded, testEnded, testStarted } from './postgres'

setDefaultTimeout(30_000)

beforeEach(testStarted)
afterEach(testEnded)
afterAll(fileEnded, { timeout: 300_000 })
