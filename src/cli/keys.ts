/**
 * @module cli/keys
 * `keys rotate`.
 */
import { KEY_RELOAD_INTERVAL_SECONDS } from '../tokens/signing-keys'
import type { Command, CommandGroup } from './command'

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
		await services.audit.record('key.rotated', { detail: { kid, alg: services.settings.jwtAlg, by: 'cli' } })
		return {
			data: { kid, alg: services.settings.jwtAlg },
			text: `new ${services.settings.jwtAlg} signing key ${kid}`
		}
	}
}

export const keysCommands: CommandGroup = {
	summary: 'Manage signing keys',
	commands: { rotate }
}
