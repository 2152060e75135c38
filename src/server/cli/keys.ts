/**
 * @module cli/keys
 * `keys list | rotate | reseal`.
 */
import { isoTime } from '../../clock'
import { MIN_SECRET_BYTES } from '../../options'
import { KEY_RELOAD_INTERVAL_SECONDS } from '../../tokens/signing-keys'
import { table, UsageError, type Command, type CommandGroup } from './command'
import { readPasswordFromStdin } from './password'

const list: Command = {
	summary: 'List the signing keys that still verify tokens (never key material)',
	args: [],
	options: {},
	notes: [
		'current: signs new tokens (the newest one of JWT_ALG). retired: verifies the tokens it signed until UNTIL,',
		'and stays in the JWKS until then; `db prune` (and the server) deletes it after.',
		'In HS256 mode (JWT_SECRET set) tokens are signed with the secret; stored keys are not used.'
	],
	async run({ tessera }) {
		const services = await tessera()
		const keys = (await services.keys.list()).map((key) => ({
			kid: key.kid,
			alg: key.alg,
			state: key.state,
			until: key.expiresAt === null ? null : isoTime(key.expiresAt),
			created_at: isoTime(key.createdAt)
		}))
		const hs256 = services.settings.jwtSecret !== null
		const rows = table(
			['KID', 'ALG', 'STATE', 'UNTIL', 'CREATED'],
			keys.map((key) => [key.kid, key.alg, key.state, key.until ?? '-', key.created_at])
		)
		return {
			data: keys,
			text: hs256
				? `${rows}\n(HS256 mode: JWT_SECRET signs and verifies; these keys are not used)`
				: rows
		}
	}
}

const rotate: Command = {
	summary: 'Make a new access-token signing key current',
	args: [],
	options: {},
	notes: [
		`A running server signs with the new key within KEY_RELOAD_INTERVAL seconds (default and most ${KEY_RELOAD_INTERVAL_SECONDS}).`,
		'Tokens signed with the old key stay valid until they expire; the JWKS keeps its public key until then.',
		'Not available in HS256 mode (JWT_SECRET set): change the secret instead.'
	],
	async run({ tessera }) {
		const services = await tessera()
		const kid = await services.keys.rotate()
		await services.audit.record('key.rotated', { detail: { kid, alg: services.settings.jwtAlg, by: 'cli' } })
		return {
			data: { kid, alg: services.settings.jwtAlg },
			text: `new ${services.settings.jwtAlg} signing key ${kid}`
		}
	}
}

const reseal: Command = {
	summary: 'Seal the private signing keys under a new KEY_ENCRYPTION_SECRET, read from stdin',
	args: [],
	options: {
		'secret-stdin': { type: 'boolean', description: 'Read the new secret from standard input (required)' }
	},
	notes: [
		'The keys are opened with the current KEY_ENCRYPTION_SECRET (or read as they are, if never sealed)',
		'and sealed with the new one in one atomic write. Then set KEY_ENCRYPTION_SECRET to the new secret',
		'everywhere the server and the CLI run, and restart them: until then they cannot open the keys.',
		`The secret is at least ${MIN_SECRET_BYTES} bytes. Back it up apart from the database backups.`
	],
	async run({ options, tessera }) {
		if (!options['secret-stdin'])
			throw new UsageError('the new secret is read from standard input: pass --secret-stdin')
		const secret = await readPasswordFromStdin()
		if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES)
			throw new UsageError(`the new secret must be at least ${MIN_SECRET_BYTES} bytes`)
		const services = await tessera()
		if (services.settings.jwtSecret !== null)
			throw new UsageError('HS256 mode (JWT_SECRET set) has no stored signing keys to seal')
		const count = await services.keys.reseal(secret)
		await services.audit.record('key.resealed', { detail: { keys: count, by: 'cli' } })
		return {
			data: { resealed: count },
			text: `sealed ${count} signing key(s) under the new secret; now set KEY_ENCRYPTION_SECRET to it and restart`
		}
	}
}

export const keysCommands: CommandGroup = {
	summary: 'Manage signing keys',
	commands: { list, rotate, reseal }
}
