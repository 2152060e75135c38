/**
 * @module cli/db
 * `db migrate | prune | backup`.
 */
import { resolve } from 'node:path'
import { prune } from '../../maintenance'
import { migrateDatabase, openStore } from '../../store/open'
import { SqliteStore } from '../../store/sqlite'
import { backupSqlite } from '../../store/sqlite/backup'
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

const backup: Command = {
	summary: 'Copy the SQLite database to a new file, consistently, also while the server runs',
	args: ['file'],
	options: {},
	notes: [
		'The copy is one consistent snapshot (VACUUM INTO), written to a file that must not exist yet,',
		'readable by this user only (mode 0600): it holds password hashes and the signing keys.',
		'To restore: stop the server, delete the DATABASE_PATH-wal and -shm files if any, copy the backup to',
		'DATABASE_PATH, start. (A stale -wal file would be replayed into the restored database.)',
		'On PostgreSQL (DATABASE_URL) use pg_dump instead.'
	],
	async run({ args, tessera }) {
		const { store } = await tessera()
		if (store.kind === 'postgres')
			throw new Error('the database is PostgreSQL: back it up with pg_dump (see the README)')
		if (!(store instanceof SqliteStore) || store.location === ':memory:')
			throw new Error(`nothing to back up: the database is ${store.location}`)
		const bytes = backupSqlite(store.db.$client, args.file!)
		return {
			data: { database: store.location, backup: resolve(args.file!), bytes },
			text: `backed up ${store.location} to ${args.file} (${size(bytes)})`
		}
	}
}

const size = (bytes: number) =>
	bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`

export const dbCommands: CommandGroup = {
	summary: 'Database maintenance',
	commands: { migrate, prune: pruneCommand, backup }
}
