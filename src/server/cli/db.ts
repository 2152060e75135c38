/**
 * @module cli/db
 * `db migrate | prune`.
 */
import { prune } from '../../maintenance'
import { migrateDatabase } from '../../store/open'
import { databaseOption } from '../options'
import type { Command, CommandGroup } from './command'

const migrate: Command = {
	summary: 'Apply pending migrations (the server also does at start)',
	args: [],
	options: {},
	async run({ config }) {
		// Nothing else (no keys, no default client) is created.
		const { location, migrations } = await migrateDatabase(databaseOption(config))
		return {
			data: { database: location, migrations },
			text: `database ${location} is up to date (${migrations} migration(s) applied)`
		}
	}
}

const pruneCommand: Command = {
	summary: 'Delete expired sessions, refresh tokens, signing keys and throttle rows',
	args: [],
	options: {},
	notes: ['The server also prunes every PRUNE_INTERVAL seconds.'],
	async run({ tessera }) {
		const pruned = await prune(await tessera())
		const counts = Object.entries(pruned).map(([what, count]) => `${what} ${count}`)
		return { data: pruned, text: `pruned: ${counts.join(', ')}` }
	}
}

export const dbCommands: CommandGroup = {
	summary: 'Database maintenance',
	commands: { migrate, prune: pruneCommand }
}
