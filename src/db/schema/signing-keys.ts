import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Asymmetric access-token signing keys. The newest unretired key signs; retired keys verify until `expiresAt`. */
export const signingKeys = sqliteTable('signing_keys', {
	kid: text('kid').primaryKey(),
	alg: text('alg').notNull(),
	/** JWK JSON of the private key. */
	privateJwk: text('private_jwk').notNull(),
	/** JWK JSON of the public key, as published at the JWKS URL. */
	publicJwk: text('public_jwk').notNull(),
	createdAt: integer('created_at').notNull(),
	retiredAt: integer('retired_at'),
	/** Once retired: when the last token it signed expires; the key is pruned after. */
	expiresAt: integer('expires_at')
})

export type SigningKey = typeof signingKeys.$inferSelect
