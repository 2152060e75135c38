/**
 * @module store/port
 * The one interface between Tessera and its database. Every operation that must be atomic is one
 * method here, never a transaction handed out to callers: bun:sqlite commits a transaction at the
 * callback's first `await` without a word, and a PostgreSQL pool needs each transaction on one
 * connection. Inside a method an adapter does what its driver does best (a synchronous `immediate`
 * transaction on SQLite, one short transaction with a conditional UPDATE on PostgreSQL); above the
 * port nothing knows which driver runs.
 *
 * Times are unix seconds. Rows are plain values; the hash-bearing ones never leave the core.
 */

export interface UserRow {
	id: number
	username: string
	passwordHash: string
	email: string | null
	fullName: string | null
	/** Space-separated (RFC 6749 §3.3 syntax). */
	scopes: string
	disabled: boolean
	createdAt: number
	updatedAt: number
}

export interface ClientRow {
	id: string
	name: string
	/** SHA-256 of the server-generated secret; null for a public client. */
	secretHash: string | null
	/** Space-separated grant types. */
	grants: string
	/** Space-separated scopes. */
	scopes: string
	createdAt: number
}

export interface SessionRow {
	id: string
	/** Null for a client_credentials session (the client is the principal). */
	userId: number | null
	clientId: string
	/** The scope granted at login; refreshes may narrow access tokens, never this. */
	scope: string
	createdAt: number
	/** Absolute end. */
	expiresAt: number
	endedAt: number | null
	endReason: string | null
}

export interface RefreshTokenRow {
	tokenHash: string
	sessionId: string
	createdAt: number
	expiresAt: number
	rotatedAt: number | null
}

export interface SigningKeyRow {
	kid: string
	alg: string
	/** The private JWK as stored: JSON, or sealed under the key-encryption secret. */
	privateJwk: string
	publicJwk: string
	createdAt: number
	retiredAt: number | null
	expiresAt: number | null
}

export interface AuditEventRow {
	id: number
	at: number
	type: string
	userId: number | null
	clientId: string | null
	address: string | null
	detail: Record<string, unknown> | null
}

export type NewUserRow = Omit<UserRow, 'id'>
export type NewAuditEvent = Omit<AuditEventRow, 'id'>

export interface SessionWithUser {
	session: SessionRow
	/** Null for a client session, or when the user row is gone. */
	user: UserRow | null
}

/** A session that an `endSessions` call ended: who it belonged to, for the audit trail and caches. */
export interface EndedSession {
	id: string
	userId: number | null
	clientId: string
}

export type EndReason =
	| 'logout'
	| 'revoked'
	| 'refresh_reuse'
	| 'password_changed'
	| 'user_disabled'
	| 'user_deleted'
	| 'admin'

/** Which sessions to end: one, a user's (optionally all but one), or a client's. */
export type SessionSelector =
	| { sessionId: string }
	| { userId: number; exceptSessionId?: string }
	| { clientId: string }

export interface RotateRefreshToken {
	tokenHash: string
	clientId: string
	now: number
	/** Seconds after a rotation during which presenting the old token is refused but not punished. */
	graceSeconds: number
	/** The successor, stored only if the rotation succeeds. */
	successorHash: string
	refreshTtlSeconds: number
	/**
	 * Runs inside the atomic section once the token is consumed; throwing undoes the consumption.
	 * It is synchronous by type: nothing may wait between consuming and deciding.
	 */
	check(found: SessionWithUser): void
}

/** What a rotation decided. `reused` has already ended the session when it is returned. */
export type Rotation =
	| { outcome: 'rotated'; session: SessionRow; user: UserRow | null }
	| { outcome: 'reused'; session: SessionRow }
	| { outcome: 'refused'; reason: string }

/** One throttle counter and how many failures it may have before it blocks. */
export interface ThrottleKey {
	key: string
	freeFailures: number
}

/** Either a block (seconds to wait) or admission, with the block each counter would cause on failure. */
export type Admission = { retryAfter: number } | { blockSeconds: number }

export interface UserPort {
	findById(id: number): Promise<UserRow | null>
	/** Usernames match regardless of letter case. */
	findByUsername(username: string): Promise<UserRow | null>
	/** Null when the username is taken (regardless of case), also when two registrations race. */
	insert(user: NewUserRow): Promise<UserRow | null>
	/** With `replacing`, only while that hash is still the stored one (rehash on login). */
	setPasswordHash(id: number, hash: string, now: number, replacing?: string): Promise<boolean>
	update(id: number, changes: { disabled?: boolean; scopes?: string }, now: number): Promise<UserRow | null>
	list(filter: {
		afterId?: number
		limit: number
		usernamePrefix?: string
		disabled?: boolean
	}): Promise<UserRow[]>
	/** Deletes the user with their sessions (and, in the server app, their posts). */
	delete(id: number): Promise<boolean>
}

export interface ClientPort {
	find(id: string): Promise<ClientRow | null>
	/** Null when the client_id is taken. */
	insert(client: ClientRow): Promise<ClientRow | null>
	/** Inserts the row, or brings an existing one's grants and scopes in line with it. */
	upsert(client: ClientRow): Promise<void>
	list(page: { afterId?: string; limit: number }): Promise<ClientRow[]>
	/** Deletes the client with its sessions; returns the sessions that ended with it. */
	delete(id: string): Promise<EndedSession[] | null>
}

export interface SessionPort {
	/** The hot path of bearer auth: the session and its user, as they are now. */
	findWithUser(sessionId: string): Promise<SessionWithUser | null>
	/** A new session, with its first refresh token when one is issued. */
	start(session: SessionRow, refresh: { tokenHash: string; expiresAt: number } | null): Promise<void>
	/**
	 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): consumes the token with one conditional write,
	 * so of concurrent callers, across connections and instances, exactly one sees `rotated`.
	 * Presenting an already rotated token past the grace ends its session (`reused`).
	 */
	rotateRefreshToken(input: RotateRefreshToken): Promise<Rotation>
	findByRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRow; session: SessionRow } | null>
	/** Ends live sessions; their access and refresh tokens stop working at once. */
	end(selector: SessionSelector, reason: EndReason, now: number): Promise<EndedSession[]>
	/** Deletes sessions past their end (ended ones after `keepEndedSeconds`) and dead refresh tokens. */
	prune(now: number, keepEndedSeconds: number): Promise<{ sessions: number; refreshTokens: number }>
}

export interface ThrottlePort {
	/**
	 * Blocked if any counter is; otherwise counts the attempt against every counter at once
	 * (before the password is checked, so a burst gets no more tries than a sequence).
	 */
	admit(keys: readonly ThrottleKey[], now: number): Promise<Admission>
	/** Takes an attempt's count back (the attempt succeeded for an address, or never ran). */
	release(key: ThrottleKey): Promise<void>
	/** Forgets a counter (a username after a successful login). */
	reset(key: string): Promise<void>
	prune(now: number): Promise<number>
}

export interface KeyPort {
	/** Keys that still verify (current and retired but unexpired), newest first. */
	list(now: number): Promise<SigningKeyRow[]>
	/** The newest unretired key of `alg`. */
	current(alg: string): Promise<SigningKeyRow | null>
	/**
	 * Stores the first key of `alg` unless one is already current (instances starting together on
	 * a new database create exactly one). Returns whether this row was stored.
	 */
	createFirst(key: SigningKeyRow): Promise<boolean>
	/** Retires every current key (verifying until `retiredUntil`) and makes `key` current, atomically. */
	rotate(key: SigningKeyRow, retiredUntil: number): Promise<void>
	/** Replaces stored private keys (re-sealing under a new key-encryption secret), atomically. */
	reseal(privateJwks: ReadonlyMap<string, string>): Promise<number>
	prune(now: number): Promise<number>
}

export interface AuditPort {
	insert(event: NewAuditEvent): Promise<void>
	/** Newest first, below `beforeId`. */
	list(filter: { beforeId?: number; limit: number; userId?: number; type?: string }): Promise<AuditEventRow[]>
}

/**
 * A counter that moves whenever a session or account may have become less valid, shared by every
 * writer of the store: memory tagged with its value is current while the value holds.
 */
export interface Freshness {
	current(): number
	bump(): void
}

export interface Store {
	readonly kind: 'sqlite' | 'postgres'
	/**
	 * Present when every writer shares the counter (one SQLite file on one machine): then the
	 * authenticator may keep session state in memory with a revocation bound of zero.
	 */
	readonly freshness: Freshness | null
	/** A short description for logs (a file path, or a URL without its password). */
	readonly location: string
	readonly users: UserPort
	readonly clients: ClientPort
	readonly sessions: SessionPort
	readonly throttle: ThrottlePort
	readonly keys: KeyPort
	readonly audit: AuditPort
	/** Resolves when the store answers; rejects with StoreUnavailable when it does not. */
	ping(): Promise<void>
	close(): Promise<void>
}
