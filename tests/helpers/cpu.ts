/**
 * The CPU time this process has used, in ms. A bound on work ("fast, whatever the input") measured
 * in it does not count the time that other processes of a busy machine take from this one, as a
 * bound on the clock would.
 */
export function cpuMs(): number {
	const { user, system } = process.cpuUsage()
	return (user + system) / 1000
}
