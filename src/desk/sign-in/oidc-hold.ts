/** What keeps a provider's sign-in going: who it is there, when it is next checked, and (sealed) what renews it. */
export interface OidcHold {
  /** The ID token's subject. */
  sub: string;
  /** Epoch ms: from then on, the sign-in holds only once the provider has renewed it. */
  checkAt: number;
  /** The provider's refresh token, sealed with the line's key (never stored as it is). */
  refresh?: string;
}

/** A stored sign-in's provider part, or undefined when there is none, or it is not one. */
export function parseOidcHold(value: unknown): OidcHold | undefined {
  const hold = value as Partial<OidcHold> | null | undefined;
  if (typeof hold?.sub !== 'string' || typeof hold.checkAt !== 'number') return undefined;
  return { sub: hold.sub, checkAt: hold.checkAt, ...(typeof hold.refresh === 'string' && { refresh: hold.refresh }) };
}
