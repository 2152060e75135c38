/**
 * @module oauth/scope
 * A scope catalog (the instance's own, with descriptions for metadata and Swagger) and RFC 6749
 * §3.3 scope handling. Typed by its names, so a route option naming a scope outside the catalog
 * is a type error.
 */
import { InvalidScope } from '../errors'
import { ConfigError } from '../config-error'

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ) */
const SCOPE_GRAMMAR = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/

export class ScopeCatalog<S extends string = string> {
	/** Catalog order: the one order scopes are written out in. */
	readonly names: readonly S[]

	constructor(readonly descriptions: Readonly<Record<S, string>>) {
		this.names = Object.freeze(Object.keys(descriptions) as S[])
		if (this.names.length === 0) throw new ConfigError('scopes', 'must name at least one scope')
		for (const name of this.names) {
			if (!SCOPE_TOKEN.test(name))
				throw new ConfigError('scopes', `"${name}" is not a scope token (RFC 6749 §3.3)`)
			if (typeof descriptions[name] !== 'string')
				throw new ConfigError('scopes', `the description of "${name}" must be a string`)
		}
	}

	has(name: string): name is S {
		return Object.hasOwn(this.descriptions, name)
	}

	/**
	 * Parses a requested scope. Undefined means none was requested. Throws InvalidScope when the
	 * value breaks the grammar or names a scope outside the catalog.
	 */
	parse(raw: string | undefined): S[] | undefined {
		if (raw === undefined) return undefined
		if (!SCOPE_GRAMMAR.test(raw)) throw new InvalidScope('The scope is malformed')
		const names = raw.split(' ')
		if (!names.every((name) => this.has(name))) throw new InvalidScope('The scope names an unknown scope')
		return names as S[]
	}

	/** Reads a stored, space-separated scope list, keeping only catalog names. */
	list(stored: string): S[] {
		return stored === '' ? [] : stored.split(' ').filter((name): name is S => this.has(name))
	}

	/** Catalog order, no duplicates. */
	format(scopes: Iterable<string>): string {
		const set = new Set(scopes)
		return this.names.filter((name) => set.has(name)).join(' ')
	}

	/**
	 * The granted scope is the requested one (or, when none was requested, everything allowed)
	 * intersected with what every party allows. Nothing left → invalid_scope.
	 */
	grant(requested: readonly string[] | undefined, ...allowed: (readonly string[])[]): S[] {
		const granted = this.names.filter(
			(name) => (requested ?? this.names).includes(name) && allowed.every((list) => list.includes(name))
		)
		if (granted.length === 0) throw new InvalidScope('None of the requested scope can be granted')
		return granted
	}
}
