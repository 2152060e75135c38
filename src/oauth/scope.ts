/**
 * @module oauth/scope
 * The scope catalog and RFC 6749 §3.3 scope handling.
 */
import { InvalidScope } from '../errors'

export const SCOPES = {
	profile: 'Read and change your own account',
	'posts:read': 'Read your posts',
	'posts:write': 'Create, change and delete your posts',
	admin: 'Manage users and clients'
} as const satisfies Record<string, string>

export type Scope = keyof typeof SCOPES
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[]

const isScope = (name: string): name is Scope => Object.hasOwn(SCOPES, name)

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ); scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
const SCOPE_GRAMMAR = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/

/**
 * Parses a requested scope. Undefined means none was requested. Throws InvalidScope when the
 * value breaks the grammar or names a scope outside the catalog.
 */
export function parseScope(raw: string | undefined): Scope[] | undefined {
	if (raw === undefined) return undefined
	if (!SCOPE_GRAMMAR.test(raw)) throw new InvalidScope('The scope is malformed')
	const names = raw.split(' ')
	const unknown = names.find((name) => !isScope(name))
	if (unknown !== undefined) throw new InvalidScope('The scope names an unknown scope')
	return names as Scope[]
}

/** Reads a stored, space-separated scope list, keeping only catalog names. */
export function scopeList(stored: string): Scope[] {
	return stored.split(' ').filter(isScope)
}

/** Catalog order, no duplicates: the one way scopes are written out. */
export function formatScope(scopes: Iterable<Scope>): string {
	const set = new Set(scopes)
	return SCOPE_NAMES.filter((name) => set.has(name)).join(' ')
}

/**
 * docs/contract.md: the granted scope is the requested one (or, when none was requested, everything
 * allowed) intersected with what every party allows. Nothing left → invalid_scope.
 */
export function grantScope(requested: Scope[] | undefined, ...allowed: Scope[][]): Scope[] {
	const granted = (requested ?? SCOPE_NAMES).filter((name) => allowed.every((list) => list.includes(name)))
	if (granted.length === 0) throw new InvalidScope('None of the requested scope can be granted')
	return SCOPE_NAMES.filter((name) => granted.includes(name))
}
