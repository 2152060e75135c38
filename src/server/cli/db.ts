/**
 * @module cli/db
 * `db migrate | prune`.
 */
import { prune } from '../../maintenance'
import { migrateDatabase, openStore } from '../../store/open'
import { migrateServerTables } from '../modules/posts/store'
import { databaseOption } from '../options'
import type { Command, CommandGroup } from './command'

const migrate: Command = {
	summary: 'Apply pending migrations (the server also does at start)',
	args: [],
	options: {},
	async run({ config }) {
		// Tessera's tables, then the server's own, as it would at start; nothing else (no keys, no
		// default client) is created.
		const database = databaseOption(config)
		const { location, migrations } = await migrateDatabase(database)
		const store = await openStore(database)
		let applied: number
		try {
			applied = migrations + (await migrateServerTables(store))
		} finally {
			await store.close()
		}
		return {
			data: { database: location, migrations: applied },
			text: `database ${location} is up to date (${applied} migration(s) applied)`
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
