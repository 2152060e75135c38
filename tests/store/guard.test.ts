/**
 * The PostgreSQL store's guard (src/store/postgres/guard.ts) on errors the driver raises:
 * what is retried, what becomes a 503, what passes through unchanged.
 */
import { describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { StoreUnavailable } from '../../src/errors'
import { guard, guarded } from '../../src/store/postgres/guard'

const serverError = (errno: string) =>
	new SQL.PostgresError(`server said ${errno}`, { code: 'ERR_POSTGRES_SERVER_ERROR', errno })
const driverError = (code: string) => new SQL.PostgresError(code, { code })

describe('PostgreSQL store guard', () => {
	test.each(['40001', '40P01'])(
		'docs/contract.md Running several instances: a transaction that fails with %s runs again',
		async (errno) => {
			let attempts = 0
			const result = await guard(async () => {
				if (++attempts < 3) throw serverError(errno)
				return 'done'
			})
			expect(result).toBe('done')
			expect(attempts).toBe(3)
		}
	)

	test.each([
		['ERR_POSTGRES_CONNECTION_CLOSED', driverError('ERR_POSTGRES_CONNECTION_CLOSED')],
		['ERR_POSTGRES_CONNECTION_REFUSED', driverError('ERR_POSTGRES_CONNECTION_REFUSED')],
		['ERR_POSTGRES_CONNECTION_TIMEOUT', driverError('ERR_POSTGRES_CONNECTION_TIMEOUT')],
		['ECONNRESET', Object.assign(new Error('reset'), { code: 'ECONNRESET' })],
		['08006 connection_failure', serverError('08006')],
		['57P01 admin_shutdown', serverError('57P01')],
		['53300 too_many_connections', serverError('53300')],
		['57014 statement_timeout', serverError('57014')]
	])('docs/contract.md: %s becomes a 503 temporarily_unavailable with Retry-After', async (_, error) => {
		const failure = await guard(() => Promise.reject(error)).catch((e) => e)
		expect(failure).toBeInstanceOf(StoreUnavailable)
		const response = (failure as StoreUnavailable).toResponse()
		expect(response.status).toBe(503)
		expect(response.headers.get('retry-after')).toBe('1')
		expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' })
	})

	test('docs/contract.md: other errors pass unchanged (a constraint, a bug, an ApiError of a check)', async () => {
		const unique = serverError('23505')
		expect(await guard(() => Promise.reject(unique)).catch((e) => e)).toBe(unique)
		const bug = new TypeError('x is undefined')
		expect(await guard(() => Promise.reject(bug)).catch((e) => e)).toBe(bug)
	})

	test('docs/contract.md: guarded() wraps every method of a port', async () => {
		const port = guarded({
			async fails() {
				throw driverError('ERR_POSTGRES_CONNECTION_CLOSED')
			},
			async works(n: number) {
				return n + 1
			}
		})
		expect(await port.works(1)).toBe(2)
		await expect(port.fails()).rejects.toBeInstanceOf(StoreUnavailable)
	})
})
