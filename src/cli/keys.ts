/**
 * @module cli/keys
 * `keys list | rotate`.
 */
import { isoTime } from '../clock'
import { KEY_RELOAD_INTERVAL_SECONDS } from '../tokens/signing-keys'
import { table, type Command, type CommandGroup } from './command'

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
		const hs256 = services.config.jwtSecret !== null
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
		`A running server signs with the new key within ${KEY_RELOAD_INTERVAL_SECONDS} s.`,
		'Tokens signed with the old key stay valid until they expire; the JWKS keeps its public key until then.',
		'Not available in HS256 mode (JWT_SECRET set): change the secret instead.'
	],
	async run({ tessera }) {
		const services = await tessera()
		const kid = await services.keys.rotate()
		await services.audit.record('key.rotated', { detail: { kid, alg: services.config.jwtAlg, by: 'cli' } })
		return {
			data: { kid, alg: services.config.jwtAlg },
			text: `new ${services.config.jwtAlg} signing key ${kid}`
		}
	}
}

export const keysCommands: CommandGroup = {
	summary: 'Manage signing keys',
	commands: { list, rotate }
}
