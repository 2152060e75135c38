/**
 * Argon2 runs held by the test: every Bun.password.hash or .verify started from now on waits until
 * release(), so the places of the bounded hasher (src/auth/password.ts) stay taken as long as a
 * test needs, however fast or busy the machine is.
 */
import { spyOn } from 'bun:test'

export function holdArgon2(method: 'hash' | 'verify') {
	const run = Bun.password[method] as (...args: unknown[]) => Promise<unknown>
	const { promise: released, resolve: release } = Promise.withResolvers<void>()
	const spy = spyOn(Bun.password, method).mockImplementation((async (...args: unknown[]) => {
		await released
		return run(...args)
	}) as never)
	return {
		release: () => release(),
		/** Releases what is held and puts Bun.password back. */
		restore() {
			release()
			spy.mockRestore()
		}
	}
}
