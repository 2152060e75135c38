/**
 * @module cli/db
 * `db migrate | prune`.
 */
import { openSqliteDb } from '../../store/sqlite'
import { MIGRATIONS_TABLE } from '../../store/sqlite/migrate'
import { migratePosts, POSTS_MIGRATIONS_TABLE } from '../modules/posts/store/sqlite'
import { prune } from '../../maintenance'
import type { Command, CommandGroup } from './command'

const migrate: Command = {
	summary: 'Apply pending migrations (the server also does at start)',
	args: [],
	options: {},
	async run({ config }) {
		// Opening migrates Tessera's tables; nothing else (no keys, no default client) is created.
		const db = openSqliteDb(config.databasePath)
		try {
			// The server's own tables, as it would at start.
			migratePosts(db)
			const { applied } = db.$client
				.query<{ applied: number }, []>(
					`SELECT (SELECT count(*) FROM ${MIGRATIONS_TABLE}) + (SELECT count(*) FROM ${POSTS_MIGRATIONS_TABLE}) AS applied`
				)
				.get()!
			return {
				data: { database: config.databasePath, migrations: applied },
				text: `database ${config.databasePath} is up to date (${applied} migration(s) applied)`
			}
		} finally {
			db.$client.close()
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
