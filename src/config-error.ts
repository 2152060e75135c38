/**
 * @module config-error
 * A bad option (createTessera) or setting (environment): one line naming it and what is wrong.
 */
export class ConfigError extends Error {
	constructor(
		/** The option path (`tokens.accessTtl`) or environment variable (`ACCESS_TOKEN_TTL`). */
		readonly setting: string,
		problem: string
	) {
		super(`${setting}: ${problem}`)
		this.name = 'ConfigError'
	}
}
