import type { Tessera } from '../../../tessera'
import type { AuthenticatedClient, GrantType } from '../../clients'
import type { OAuthParams } from '../../form'
import type { TokenResponse } from '../response'

export interface GrantRequest {
	params: OAuthParams
	client: AuthenticatedClient
	/**
	 * The client's network address, for throttling and audit; null when unknown. Asked for only by
	 * a grant that uses it: without a request log line it is a system call (src/http/address.ts).
	 */
	address(): string | null
}

export interface Grant {
	readonly grantType: GrantType
	handle(tessera: Tessera, request: GrantRequest): Promise<TokenResponse>
}
