/**
 * @module cli/users
 * `users add | disable | enable | list`.
 */
import { checkPasswordLength, USERNAME_PATTERN, type Account } from '../../accounts'
import { updateUser } from '../modules/admin/service'
import { REGISTERED_USER_SCOPES } from '../modules/users/service'
import { SERVER_CATALOG, type ServerScope as Scope } from '../scopes'
import type { Tessera } from '../../tessera'
import { listOption, readAll, table, UsageError, type Command, type CommandGroup } from './command'
import { promptNewPassword, readPasswordFromStdin } from './password'

const USERNAME = new RegExp(USERNAME_PATTERN)

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
		'password-stdin': {
			type: 'boolean',
			description: 'Read the password from standard input instead of asking'
		}
	},
	notes: [`Scopes: ${SERVER_CATALOG.names.join(' ')}. Passwords are 8 to 1024 bytes.`],
	async run({ args, options, tessera }) {
		if (!USERNAME.test(args.username!))
			throw new UsageError(
				'the username must be 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit'
			)
		const scopes = readScopes(options.scopes)
		const password = options['password-stdin'] ? await readPasswordFromStdin() : await promptNewPassword()
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
	commands: { add, disable: setDisabled(true), enable: setDisabled(false), list }
}
