/**
 * @module cli/users
 * `users add | set-password | disable | enable | delete | list`.
 */
import { checkPasswordLength, USERNAME_PATTERN, type Account } from '../../accounts'
import { deleteUser, setUserPassword, updateUser } from '../modules/admin/service'
import { REGISTERED_USER_SCOPES } from '../modules/users/service'
import { SERVER_CATALOG, type ServerScope as Scope } from '../scopes'
import type { Tessera } from '../../tessera'
import { listOption, readAll, table, UsageError, type Command, type CommandGroup } from './command'
import { confirm } from './confirm'
import { promptNewPassword, readPasswordFromStdin } from './password'

const USERNAME = new RegExp(USERNAME_PATTERN)

const PASSWORD_STDIN = {
	type: 'boolean',
	description: 'Read the password from standard input instead of asking'
} as const

const readNewPassword = (options: Record<string, string | boolean | undefined>) =>
	options['password-stdin'] ? readPasswordFromStdin() : promptNewPassword()

function readScopes(value: string | boolean | undefined): Scope[] {
	if (typeof value !== 'string') return [...REGISTERED_USER_SCOPES]
	try {
		return SERVER_CATALOG.parse(listOption(value).join(' ')) ?? []
	} catch {
		throw new UsageError(`--scopes takes scopes from the catalog: ${SERVER_CATALOG.names.join(' ')}`)
	}
}

async function findUser(tessera: Tessera<Scope>, username: string): Promise<Account<Scope>> {
	const user = await tessera.users.findByUsername(username)
	if (!user) throw new Error(`no user named ${username}`)
	return user
}

const add: Command = {
	summary: 'Create a user; the password is asked for without echo, or read from stdin',
	args: ['username'],
	options: {
		scopes: {
			type: 'string',
			value: '"<scopes>"',
			description: `What the user may be granted (default "${REGISTERED_USER_SCOPES.join(' ')}")`
		},
		email: { type: 'string', value: '<email>', description: 'Optional e-mail address' },
		'full-name': { type: 'string', value: '"<name>"', description: 'Optional full name' },
		'password-stdin': PASSWORD_STDIN
	},
	notes: [`Scopes: ${SERVER_CATALOG.names.join(' ')}. Passwords are 8 to 1024 bytes.`],
	async run({ args, options, tessera }) {
		if (!USERNAME.test(args.username!))
			throw new UsageError(
				'the username must be 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit'
			)
		const scopes = readScopes(options.scopes)
		const password = await readNewPassword(options)
		checkPasswordLength(password)
		const services = await tessera()
		const user = await services.users.create({
			username: args.username!,
			password,
			email: options.email as string | undefined,
			full_name: options['full-name'] as string | undefined,
			scopes
		})
		await services.audit.record('user.created', { userId: user.id, detail: { by: 'cli' } })
		return {
			data: user,
			text: `created user ${user.username} (id ${user.id}) with scopes: ${SERVER_CATALOG.format(scopes) || '(none)'}`
		}
	}
}

const setPassword: Command = {
	summary: 'Set a user’s password; every session of theirs ends',
	args: ['username'],
	options: { 'password-stdin': PASSWORD_STDIN },
	notes: [
		'Passwords are 8 to 1024 bytes, as at registration.',
		'The user’s access and refresh tokens stop working at once, on every instance; they log in again.'
	],
	async run({ args, options, tessera }) {
		const services = await tessera()
		const user = await findUser(services, args.username!)
		const { sessionsEnded } = await setUserPassword(services, user, await readNewPassword(options), 'cli')
		return {
			data: { user, sessions_ended: sessionsEnded },
			text: `set the password of ${user.username}; ended ${sessionsEnded} session(s)`
		}
	}
}

const remove: Command = {
	summary: 'Delete a user, their sessions and their posts; asks first',
	args: ['username'],
	options: {
		yes: { type: 'boolean', description: 'Delete without asking (required without a terminal)' }
	},
	notes: [
		'Every session of the user ends at once: their access and refresh tokens stop working.',
		'Their posts are deleted with them (the database cascades the delete). Audit events stay.',
		'To stop an account but keep it and its posts, use `users disable`.'
	],
	async run({ args, options, tessera }) {
		// Checked before anything is opened: a script without --yes learns so at once.
		if (!options.yes && !process.stdin.isTTY)
			throw new UsageError('no terminal to confirm on; add --yes to delete without asking')
		const services = await tessera()
		const user = await findUser(services, args.username!)
		if (
			!options.yes &&
			!(await confirm(`Delete user ${user.username} (id ${user.id}), their sessions and their posts?`))
		)
			throw new Error(`user ${user.username} not deleted`)
		const { sessionsEnded } = await deleteUser(services, user, 'cli')
		return {
			data: { deleted: user, sessions_ended: sessionsEnded },
			text: `deleted user ${user.username} (id ${user.id}); ended ${sessionsEnded} session(s)`
		}
	}
}

const setDisabled = (disabled: boolean): Command => ({
	summary: disabled
		? 'Disable a user: login is refused and every session ends at once'
		: 'Enable a disabled user',
	args: ['username'],
	options: {},
	async run({ args, tessera }) {
		const services = await tessera()
		const { user, sessionsEnded } = await updateUser(
			services,
			await findUser(services, args.username!),
			{ disabled },
			'cli'
		)
		return {
			data: { user, sessions_ended: sessionsEnded },
			text: disabled
				? `disabled user ${user.username}; ended ${sessionsEnded} session(s)`
				: `enabled user ${user.username}`
		}
	}
})

const list: Command = {
	summary: 'List all users',
	args: [],
	options: {},
	async run({ tessera }) {
		const services = await tessera()
		const users = await readAll(
			(afterId: number | undefined, limit) => services.users.list({ afterId, limit }),
			(user) => user.id
		)
		return {
			data: users,
			text: table(
				['ID', 'USERNAME', 'STATE', 'SCOPES'],
				users.map((u) => [String(u.id), u.username, u.disabled ? 'disabled' : 'enabled', u.scopes.join(' ')])
			)
		}
	}
}

export const usersCommands: CommandGroup = {
	summary: 'Manage users',
	commands: {
		add,
		'set-password': setPassword,
		disable: setDisabled(true),
		enable: setDisabled(false),
		delete: remove,
		list
	}
}
