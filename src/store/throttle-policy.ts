/**
 * @module store/throttle-policy
 * The numbers of login throttling (RFC 6749 §10.10, RFC 9700 §4.1), shared by both stores'
 * one-statement counters: a key may fail its free failures without delay; the failure that
 * reaches the limit blocks it for FIRST_BLOCK_SECONDS, and each further one doubles the block up
 * to MAX_BLOCK_SECONDS; a key without a failure for THROTTLE_MEMORY_SECONDS starts from zero.
 */
export const USERNAME_FREE_FAILURES = 5
/** Higher than per username: many users may share an address (NAT, a proxy without TRUST_PROXY). */
export const ADDRESS_FREE_FAILURES = 50
export const FIRST_BLOCK_SECONDS = 1
export const MAX_BLOCK_SECONDS = 15 * 60
/** Registrations one address may make before each further one waits (a doubling block). */
export const REGISTRATION_FREE_ATTEMPTS = 10
/** Long enough that waiting for the counter to be forgotten never beats the capped block rate. */
export const THROTTLE_MEMORY_SECONDS = 12 * 60 * 60
