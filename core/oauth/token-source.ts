/**
 * token-source: what a delivery path needs from an OAuth2 credential: a
 * current access token, and a way to say "the server refused this one".
 */
export interface TokenSource {
  /** A token valid for at least the next minute, fetched or refreshed as needed. Rejects with a RelayError when the token endpoint refuses the credential. */
  accessToken(): Promise<string>;
  /** Drops the cached token (the server refused it); the next accessToken() fetches a fresh one. */
  invalidate(): void;
}
