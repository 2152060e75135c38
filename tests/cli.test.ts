/**
 * The admin CLI against a temporary database file, next to an app that has the same file open (as
 * a running server would). Commands run in this process (tests/helpers/cli.ts); what only a real
 * process shows, its exit status, piped standard input, a terminal, is checked on real processes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/server/app'
import { dbCommands } from '../src/server/cli/db'
import { loadConfig } from '../src/server/config'
import type { ServerScope } from '../src/server/scopes'
import { createTessera, type Tessera } from '../src/tessera'
import { serverOptions, TEST_ENV, sqliteOf } from './helpers/app'
import { CLI, cliProcess, runCli, type Run } from './helpers/cli'
import { createDatabase, postgresAvailable } from './helpers/postgres'
import { bearer, clientCredentials, form, json, login } from './helpers/http'
import { ROOT, spawnServer } from './helpers/process'

const postgres = await postgresAvailable()

let dir: string
let env: Record<string, string>
let tessera: Tessera<ServerScope>
let request: (path: string, init?: RequestInit) => Promise<Response>

type Options = { stdin?: string; env?: Record<string, string> }
/** A command, in this process. */
const cli = (args: string[], options: Options = {}) =>
	runCli(args, { env: { ...env, ...options.env }, stdin: options.stdin })
/** A command, as a process of its own. */
const cliAsProcess = (args: string[], options: Options = {}) =>
	cliProcess(args, { env: { ...env, ...options.env }, stdin: options.stdin })

/** `clients add <id>` for a confidential client_credentials service with posts:read, as JSON. */
const addServiceClient = (id: string) =>
	cli([
		'clients',
		'add',
		id,
		'--confidential',
		'--grants',
		'client_credentials',
		'--scopes',
		'posts:read',
		'--json'
	])

/** Runs the CLI on a terminal (util-linux `script`); its stdin is our keyboard. */
function cliOnTerminal(args: string[]) {
	const command = [process.execPath, CLI, ...args].join(' ')
	const child = Bun.spawn(['script', '-qec', command, '/dev/null'], {
		cwd: ROOT,
		env,
		stdin: 'pipe',
		stdout: 'pipe'
	})
	const reader = child.stdout.getReader()
	let screen = ''
	return {
		child,
		get screen() {
			return screen
		},
		async waitFor(text: string) {
			while (!screen.includes(text)) {
				const { value, done } = await reader.read()
				if (done) throw new Error(`no "${text}" in ${JSON.stringify(screen)}`)
				screen += new TextDecoder().decode(value)
			}
		},
		type(keys: string) {
			child.stdin.write(keys)
			child.stdin.flush()
		}
	}
}

/** Exactly one line on stderr, nothing on stdout. */
function expectOneLineError(run: Run, code: number, text: string) {
	expect(run.code).toBe(code)
	expect(run.stdout).toBe('')
	expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
	expect(run.stderr).toStartWith('tessera: ')
	expect(run.stderr).toContain(text)
}

const passwordGrant = (username: string, password: string) =>
	request('/oauth/token', form({ grant_type: 'password', username, password }))

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'))
	env = {
		PATH: process.env.PATH ?? '',
		HOME: dir,
		DATABASE_PATH: join(dir, 'tessera.sqlite'),
		ISSUER: TEST_ENV.ISSUER!
	}
	tessera = await createTessera(serverOptions({ DATABASE_PATH: env.DATABASE_PATH! }))
	const app = createApp(tessera, { registration: 'open' })
	request = (path, init) => app.handle(new Request(`${TEST_ENV.ISSUER}${path}`, init))
})

afterAll(() => {
	sqliteOf(tessera).$client.close()
	rmSync(dir, { recursive: true, force: true })
})

describe('admin CLI against the server’s database', () => {
	test('docs/contract.md: add a user with the CLI, log in through the app, disable it with the CLI, login refused', async () => {
		// A real process: the password piped to its standard input, its exit status.
		const added = await cliAsProcess(['users', 'add', 'carol', '--password-stdin'], {
			stdin: 'correct horse battery\n'
		})
		expect(added).toEqual({
			code: 0,
			stdout: expect.stringContaining('created user carol'),
			stderr: ''
		})
		// The trailing newline of `echo` is not part of the password.
		const { access_token } = await login(request, 'carol', 'correct horse battery')
		expect((await request('/users/me', bearer(access_token))).status).toBe(200)

		const disabled = await cli(['users', 'disable', 'carol'])
		expect(disabled.code).toBe(0)
		expect(disabled.stdout).toBe('disabled user carol; ended 1 session(s)\n')
		const refused = await passwordGrant('carol', 'correct horse battery')
		expect(refused.status).toBe(400)
		expect(await refused.json()).toEqual({
			error: 'invalid_grant',
			error_description: 'Invalid username or password'
		})
		expect((await request('/users/me', bearer(access_token))).status).toBe(403)
		const [event] = await tessera.audit.list({ limit: 1, type: 'user.disabled' })
		expect(event).toMatchObject({ clientId: null, detail: { by: 'cli', sessions_ended: 1 } })

		expect((await cli(['users', 'enable', 'carol'])).stdout).toBe('enabled user carol\n')
		expect((await passwordGrant('carol', 'correct horse battery')).status).toBe(200)
	})

	test('docs/contract.md: users add takes --scopes from the catalog; list shows the user', async () => {
		const added = await cli(
			['users', 'add', 'dana', '--scopes', 'profile admin', '--password-stdin', '--json'],
			{
				stdin: 'another long one'
			}
		)
		expect(added.code).toBe(0)
		expect(JSON.parse(added.stdout)).toMatchObject({
			username: 'dana',
			scopes: ['profile', 'admin'],
			disabled: false
		})
		const listed = await cli(['users', 'list', '--json'])
		expect(JSON.parse(listed.stdout).find((u: any) => u.username === 'dana').scopes).toEqual([
			'profile',
			'admin'
		])
		expect(listed.stdout).not.toContain('argon2')
		const text = await cli(['users', 'list'])
		expect(text.stdout).toStartWith('ID')
		expect(text.stdout).toMatch(/dana\s+enabled\s+profile admin/)
	})

	test('docs/contract.md: clients add prints the secret once; it works at the token endpoint; list never shows it', async () => {
		const added = await addServiceClient('reports')
		expect(added.code).toBe(0)
		const client = JSON.parse(added.stdout)
		expect(client).toMatchObject({
			client_id: 'reports',
			confidential: true,
			grants: ['client_credentials']
		})
		const token = await clientCredentials(request, 'reports', client.client_secret)
		expect(token.status).toBe(200)
		const listed = await cli(['clients', 'list', '--json'])
		expect(JSON.parse(listed.stdout).map((c: any) => c.client_id)).toContain('reports')
		expect(listed.stdout).not.toContain(client.client_secret)
		expect((await cli(['clients', 'list'])).stdout).toMatch(/reports\s+confidential\s+client_credentials/)
	})

	test('CWE-150: a client name with control characters, set through the admin API, is shown escaped in clients list', async () => {
		const ops = JSON.parse(
			(
				await cli([
					'clients',
					'add',
					'ops',
					'--confidential',
					'--grants',
					'client_credentials',
					'--scopes',
					'admin',
					'--json'
				])
			).stdout
		)
		const token = await clientCredentials(request, 'ops', ops.client_secret, { scope: 'admin' })
		const { access_token } = (await token.json()) as { access_token: string }
		// Clear the screen, go home, print a fake line in red, hide the rest; a bidi override too.
		const name = '\u001b[2J\u001b[H\u001b[31mroot shell\r\n\u0007\u009b8m\u202eevil'
		const created = await request(
			'/admin/clients',
			bearer(
				access_token,
				json({
					client_id: 'sneaky',
					name,
					confidential: false,
					grants: ['password'],
					scopes: ['profile']
				})
			)
		)
		expect(created.status).toBe(201)

		const { stdout } = await cli(['clients', 'list'])
		const row = stdout.split('\n').find((line) => line.startsWith('sneaky'))!
		expect(row).toEndWith('\\x1b[2J\\x1b[H\\x1b[31mroot shell\\x0d\\x0a\\x07\\x9b8m\\u202eevil')
		// Nothing but printable text and the newlines between rows.
		expect(stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/)
		// Scripts get the value as it is, JSON-escaped.
		const listed = JSON.parse((await cli(['clients', 'list', '--json'])).stdout)
		expect(listed.find((c: any) => c.client_id === 'sneaky').name).toBe(name)
	})

	test('docs/contract.md: a client deleted with the CLI loses its tokens at once', async () => {
		const added = JSON.parse((await addServiceClient('doomed')).stdout)
		const token = await clientCredentials(request, 'doomed', added.client_secret)
		const { access_token } = (await token.json()) as { access_token: string }
		expect((await request('/admin/users', bearer(access_token))).status).toBe(403) // alive, just not admin
		expect((await cli(['clients', 'delete', 'doomed'])).stdout).toBe('deleted client doomed\n')
		const after = await request('/admin/users', bearer(access_token))
		expect(after.status).toBe(401)
		expect(((await after.json()) as any).error).toBe('invalid_token')
	})

	test('docs/contract.md: keys rotate makes a new key current; tokens of the old key still verify', async () => {
		const { access_token } = await login(request, 'carol', 'correct horse battery')
		const before = tessera.keys.currentKid
		const rotated = await cli(['keys', 'rotate', '--json'])
		expect(rotated.code).toBe(0)
		const { kid, alg } = JSON.parse(rotated.stdout)
		expect(alg).toBe('RS256')
		expect(kid).not.toBe(before)
		await tessera.keys.reload() // what the server does every minute
		expect(tessera.keys.currentKid).toBe(kid)
		const jwks = (await (await request('/.well-known/jwks.json')).json()) as {
			keys: Array<{ kid: string }>
		}
		expect(jwks.keys.map((key) => key.kid).sort()).toEqual([before, kid].sort())
		expect((await request('/users/me', bearer(access_token))).status).toBe(200)
		expect((await tessera.audit.list({ limit: 1, type: 'key.rotated' }))[0]!.detail).toEqual({
			kid,
			alg: 'RS256',
			by: 'cli'
		})
	})

	test('docs/contract.md: db migrate and db prune succeed and report what they did', async () => {
		const migrated = await cli(['db', 'migrate', '--json'])
		expect(migrated.code).toBe(0)
		expect(JSON.parse(migrated.stdout)).toEqual({
			database: env.DATABASE_PATH,
			migrations: expect.any(Number)
		})
		const pruned = await cli(['db', 'prune', '--json'])
		expect(pruned.code).toBe(0)
		const counts = JSON.parse(pruned.stdout)
		expect(counts).toMatchObject({ sessions: expect.any(Number), refreshTokens: expect.any(Number) })
		expect((await cli(['db', 'prune'])).stdout).toStartWith('pruned: sessions ')
	})
})

describe('admin CLI: keys, passwords, deletion, backup', () => {
	/** A user made with the CLI and logged in through the app: one live session. */
	async function userWithSession(username: string, password: string) {
		const added = await cli(['users', 'add', username, '--password-stdin', '--json'], { stdin: password })
		expect(added.code).toBe(0)
		const tokens = await login(request, username, password)
		const { sid } = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString())
		return { id: JSON.parse(added.stdout).id as number, tokens, sid: sid as string }
	}

	test('docs/contract.md: keys list shows kid, alg, state and until of every key that verifies; never key material', async () => {
		// A rotation first, so that there is a retired key beside the current one.
		expect((await cli(['keys', 'rotate'])).code).toBe(0)
		await tessera.keys.reload()
		const listed = await cli(['keys', 'list', '--json'])
		expect(listed.code).toBe(0)
		const keys = JSON.parse(listed.stdout) as Array<Record<string, string | null>>
		const rows = sqliteOf(tessera)
			.$client.query<{ kid: string; private_jwk: string; public_jwk: string }, []>(
				'SELECT kid, private_jwk, public_jwk FROM tessera_signing_keys'
			)
			.all()
		expect(keys.length).toBeGreaterThanOrEqual(2)
		const [current, ...retired] = keys
		expect(current).toEqual({
			kid: tessera.keys.currentKid,
			alg: 'RS256',
			state: 'current',
			until: null,
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
		})
		for (const key of retired)
			expect(key).toMatchObject({ state: 'retired', until: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
		expect(keys.map((key) => key.kid).sort()).toEqual(rows.map((row) => row.kid).sort())

		const text = await cli(['keys', 'list'])
		expect(text.stdout).toStartWith('KID')
		expect(text.stdout).toMatch(
			new RegExp(`${tessera.keys.currentKid}\\s+RS256\\s+current\\s+-\\s+\\d{4}-`)
		)
		for (const output of [listed.stdout, text.stdout])
			for (const row of rows) {
				const { d, n } = JSON.parse(row.private_jwk)
				expect(output).not.toContain(d)
				expect(output).not.toContain(n)
			}
	})

	test('docs/contract.md: users set-password takes the new password from stdin, ends every session, audits it', async () => {
		const { id, tokens, sid } = await userWithSession('gina', 'gina first password')
		const changed = await cli(['users', 'set-password', 'gina', '--password-stdin'], {
			stdin: 'gina second password\n'
		})
		expect(changed).toEqual({
			code: 0,
			stdout: 'set the password of gina; ended 1 session(s)\n',
			stderr: ''
		})
		expect((await request('/users/me', bearer(tokens.access_token))).status).toBe(401)
		const refresh = await request(
			'/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })
		)
		expect(((await refresh.json()) as any).error).toBe('invalid_grant')
		expect((await passwordGrant('gina', 'gina first password')).status).toBe(400)
		expect((await passwordGrant('gina', 'gina second password')).status).toBe(200)
		const [event] = await tessera.audit.list({ limit: 1, type: 'user.password_changed' })
		expect(event).toMatchObject({
			userId: id,
			clientId: null,
			detail: { by: 'cli', sessions_ended: 1, session_ids: [sid] }
		})
	})

	test('docs/contract.md: users set-password refuses a password registration would refuse (exit 2), an unknown user (exit 1)', async () => {
		expectOneLineError(
			await cli(['users', 'set-password', 'gina', '--password-stdin'], { stdin: 'short\n' }),
			2,
			'The password must be 8 to 1024 bytes'
		)
		expectOneLineError(
			await cli(['users', 'set-password', 'gina', '--password-stdin'], { stdin: 'x'.repeat(1025) }),
			2,
			'The password must be 8 to 1024 bytes'
		)
		expectOneLineError(
			await cli(['users', 'set-password', 'gina'], { stdin: '' }),
			2,
			'no terminal to ask for the password'
		)
		expectOneLineError(
			await cli(['users', 'set-password', 'nobody', '--password-stdin'], { stdin: 'long enough pw' }),
			1,
			'no user named nobody'
		)
		expect((await passwordGrant('gina', 'gina second password')).status).toBe(200)
	}, 30_000)

	test('docs/contract.md: users delete without a terminal and without --yes → exit 2, nothing deleted', async () => {
		await userWithSession('hank', 'hank password')
		expectOneLineError(await cli(['users', 'delete', 'hank'], { stdin: '' }), 2, 'add --yes')
		expect(await tessera.users.findByUsername('hank')).not.toBeNull()
	})

	test('docs/contract.md: users delete --yes deletes the user, ends their sessions, cascades to their posts, audits it', async () => {
		const { id, tokens, sid } = await userWithSession('ivan', 'ivan password')
		const posted = await request(
			'/posts',
			bearer(tokens.access_token, json({ title: 'mine', content: 'goes with me' }))
		)
		expect(posted.status).toBe(201)
		const post = (await posted.json()) as { id: number }

		const deleted = await cli(['users', 'delete', 'ivan', '--yes', '--json'])
		expect(deleted.code).toBe(0)
		expect(JSON.parse(deleted.stdout)).toMatchObject({
			deleted: { id, username: 'ivan' },
			sessions_ended: 1
		})
		expect(await tessera.users.findByUsername('ivan')).toBeNull()
		expect((await request('/users/me', bearer(tokens.access_token))).status).toBe(401)
		expect((await request(`/posts/${post.id}`)).status).toBe(404)
		expect((await passwordGrant('ivan', 'ivan password')).status).toBe(400)
		const [event] = await tessera.audit.list({ limit: 1, type: 'user.deleted' })
		expect(event).toMatchObject({
			userId: id,
			detail: { by: 'cli', username: 'ivan', sessions_ended: 1, session_ids: [sid] }
		})
		expectOneLineError(await cli(['users', 'delete', 'ivan', '--yes']), 1, 'no user named ivan')
	})

	test.skipIf(!Bun.which('script'))(
		'docs/contract.md: users delete asks on the terminal; anything but y keeps the user',
		async () => {
			await userWithSession('jill', 'jill password')
			const declined = cliOnTerminal(['users', 'delete', 'jill'])
			await declined.waitFor('[y/N] ')
			expect(declined.screen).toContain('Delete user jill')
			declined.type('n\r')
			expect(await declined.child.exited).toBe(1)
			expect(await tessera.users.findByUsername('jill')).not.toBeNull()

			const agreed = cliOnTerminal(['users', 'delete', 'jill'])
			await agreed.waitFor('[y/N] ')
			agreed.type('y\r')
			await agreed.waitFor('deleted user jill')
			expect(await agreed.child.exited).toBe(0)
			expect(await tessera.users.findByUsername('jill')).toBeNull()
		},
		30_000
	)

	test('docs/contract.md: db backup copies the database while a server process writes to it; the copy logs in', async () => {
		// `bun run start` would give the built-in client its own default scopes; the other tests expect these.
		const defaultScopes = (await tessera.store.clients.find('default'))!.scopes
		const server = await spawnServer({ ...env, DEFAULT_CLIENT_SCOPES: defaultScopes })
		const { base } = server
		const backup = join(dir, 'backup.sqlite')
		try {
			const serverLogin = () =>
				fetch(
					`${base}/oauth/token`,
					form({ grant_type: 'password', username: 'gina', password: 'gina second password' })
				)
			// The server writes (sessions, refresh tokens, audit rows) while the copy is made.
			const [copied, ...logins] = await Promise.all([
				cli(['db', 'backup', backup]),
				serverLogin(),
				serverLogin(),
				serverLogin()
			])
			expect(logins.map((response) => response.status)).toEqual([200, 200, 200])
			expect(copied).toEqual({
				code: 0,
				stdout: expect.stringMatching(
					/^backed up .*tessera\.sqlite to .*backup\.sqlite \(\d+ KiB\)\n$/
				),
				stderr: ''
			})
		} finally {
			await server.stop()
		}
		expect(statSync(backup).mode & 0o777).toBe(0o600)

		const copy = await createTessera(serverOptions({ DATABASE_PATH: backup }))
		try {
			expect(sqliteOf(copy).$client.query('PRAGMA integrity_check').get()).toEqual({
				integrity_check: 'ok'
			})
			const app = createApp(copy, { registration: 'open' })
			const fromCopy = (path: string, init?: RequestInit) =>
				app.handle(new Request(`${TEST_ENV.ISSUER}${path}`, init))
			const { access_token } = await login(fromCopy, 'gina', 'gina second password')
			expect((await fromCopy('/users/me', bearer(access_token))).status).toBe(200)
		} finally {
			sqliteOf(copy).$client.close()
		}

		const before = readFileSync(backup)
		expectOneLineError(await cli(['db', 'backup', backup]), 1, 'already exists')
		expect(readFileSync(backup).equals(before)).toBe(true)
		expectOneLineError(
			await cli(['db', 'backup', join(dir, 'no-such-dir', 'b.sqlite')]),
			1,
			'does not exist'
		)
		expect(existsSync(join(dir, 'no-such-dir'))).toBe(false)
	}, 60_000)

	test.skipIf(!postgres)(
		'docs/contract.md: db backup with DATABASE_URL (PostgreSQL) says to use pg_dump, exit 1, and writes nothing',
		async () => {
			const database = await createDatabase({ tag: 'cli_backup' })
			const { DATABASE_PATH: _sqlite, ...withoutPath } = env
			const file = join(dir, 'pg-backup.sqlite')
			const run = await runCli(['db', 'backup', file], {
				env: { ...withoutPath, DATABASE_URL: database.url }
			})
			expectOneLineError(run, 1, 'back it up with pg_dump')
			expect(existsSync(file)).toBe(false)
		}
	)

	test('docs/contract.md: db backup on PostgreSQL says to use pg_dump and fails', async () => {
		const postgres = { kind: 'postgres', location: 'postgres://db.example/tessera' }
		const run = dbCommands.commands.backup!.run({
			config: loadConfig(TEST_ENV),
			args: { file: join(dir, 'never.sqlite') },
			options: {},
			tessera: async () => ({ store: postgres }) as unknown as Tessera<ServerScope>
		})
		await expect(run).rejects.toThrow('back it up with pg_dump')
		expect(existsSync(join(dir, 'never.sqlite'))).toBe(false)
	})
})

describe('admin CLI and the built-in client', () => {
	test('docs/contract.md DEFAULT_CLIENT_SCOPES: a CLI command leaves the stored scopes of `default` alone unless the setting is given', async () => {
		const before = (await tessera.store.clients.find('default'))!.scopes
		expect(before).toContain('admin')
		expect((await cli(['users', 'list'])).code).toBe(0)
		expect((await tessera.store.clients.find('default'))!.scopes).toBe(before)
		expect((await cli(['users', 'list'], { env: { DEFAULT_CLIENT_SCOPES: 'profile' } })).code).toBe(0)
		expect((await tessera.store.clients.find('default'))!.scopes).toBe('profile')
	})
})

describe('admin CLI: help, usage and failures', () => {
	const CONTRACT_COMMANDS = [
		'users add',
		'users set-password',
		'users disable',
		'users enable',
		'users delete',
		'users list',
		'clients add',
		'clients list',
		'keys list',
		'keys rotate',
		'db migrate',
		'db prune',
		'db backup'
	]

	test('docs/contract.md: --help lists every command; exit 0', async () => {
		const help = await cli(['--help'])
		expect(help.code).toBe(0)
		expect(help.stderr).toBe('')
		for (const command of CONTRACT_COMMANDS) expect(help.stdout).toContain(`  ${command}`)
	})

	test('docs/contract.md: every command has --help with its usage line', async () => {
		const commands = [...CONTRACT_COMMANDS, 'clients delete']
		for (const command of commands) {
			const help = await cli([...command.split(' '), '--help'])
			expect(help.code).toBe(0)
			expect(help.stdout).toStartWith(`Usage: bun run cli -- ${command}`)
			expect(help.stdout).toContain('--json')
		}
		const group = await cli(['users', '--help'])
		expect(group.code).toBe(0)
		expect(group.stdout).toContain('Usage: bun run cli -- users <command>')
	}, 30_000)

	test('docs/contract.md: `bun run cli -- --help` works as documented', async () => {
		const child = Bun.spawn([process.execPath, 'run', '--silent', 'cli', '--', '--help'], {
			cwd: ROOT,
			env,
			stdout: 'pipe',
			stderr: 'pipe'
		})
		expect(await child.exited).toBe(0)
		expect(await new Response(child.stdout).text()).toContain('Usage: bun run cli -- <group> <command>')
	})

	test('usage errors → exit 2 with one line naming the problem', async () => {
		const cases: Array<[string[], string]> = [
			[[], 'no command given'],
			[['nope'], "unknown command 'nope'"],
			[['users'], 'users: no command given'],
			[['users', 'nope'], "unknown command 'users nope'"],
			[['users', 'add'], 'missing <username>'],
			[['users', 'add', 'a1', 'b1'], "unexpected argument 'b1'"],
			[['users', 'add', 'erin', '--password', 'hunter22'], "Unknown option '--password'"],
			[['users', 'add', 'erin'], 'no terminal to ask for the password'],
			[['users', 'add', 'bad name', '--password-stdin'], 'the username must be'],
			[
				['users', 'add', 'erin', '--scopes', 'root', '--password-stdin'],
				'--scopes takes scopes from the catalog'
			],
			[['clients', 'add', '1bad'], 'The client_id must start with a letter'],
			[['clients', 'add', 'x', '--grants', 'implicit'], '--grants takes grant types from'],
			[['clients', 'add', 'x', '--grants'], "Option '--grants <value>' argument missing"],
			[
				['clients', 'add', 'pub', '--grants', 'client_credentials'],
				'A public client may not use client_credentials'
			],
			[['clients', 'delete', 'default'], 'The built-in client default cannot be deleted']
		]
		for (const [args, message] of cases) expectOneLineError(await cli(args, { stdin: '' }), 2, message)
		// The status a script sees, from a real process.
		expectOneLineError(await cliAsProcess(['nope'], { stdin: '' }), 2, "unknown command 'nope'")
		expectOneLineError(
			await cli(['users', 'add', 'erin', '--password-stdin'], { stdin: 'short\n' }),
			2,
			'The password must be 8 to 1024 bytes'
		)
		expect(await tessera.users.findByUsername('erin')).toBeNull()
	})

	test('failures → exit 1 with one line', async () => {
		expectOneLineError(
			await cli(['users', 'add', 'carol', '--password-stdin'], { stdin: 'correct horse battery' }),
			1,
			'The username is taken'
		)
		// The status a script sees, from a real process.
		expectOneLineError(await cliAsProcess(['users', 'disable', 'nobody']), 1, 'no user named nobody')
		expectOneLineError(await cli(['clients', 'add', 'default']), 1, 'The client_id is taken')
		expectOneLineError(await cli(['clients', 'delete', 'nope']), 1, 'No such client')
		expectOneLineError(
			await cli(['keys', 'rotate'], { env: { JWT_SECRET: 'x'.repeat(32) } }),
			1,
			'keys cannot be rotated in HS256 mode'
		)
		expectOneLineError(
			await cli(['users', 'list'], { env: { JWT_ALG: 'none' } }),
			1,
			'bad setting JWT_ALG'
		)
	}, 30_000)

	test.skipIf(!Bun.which('script'))(
		'docs/contract.md: without --password-stdin the password is asked twice, never echoed (typed ahead too)',
		async () => {
			const terminal = cliOnTerminal(['users', 'add', 'frank'])
			await terminal.waitFor('Password: ')
			// A typo erased, Enter, and the repeat typed ahead before its prompt shows.
			terminal.type('frank-password-x\x7f\rfrank-password-\r')
			await terminal.waitFor('created user frank')
			terminal.child.stdin.end()
			expect(await terminal.child.exited).toBe(0)
			expect(terminal.screen).not.toContain('frank-password')
			expect((await passwordGrant('frank', 'frank-password-')).status).toBe(200)
		}
	)
})
