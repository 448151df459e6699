/** Who is calling: the admin, or a temporary key scoped to some bots until it expires. */
export type Principal = { kind: 'admin'; keyId: string } | { kind: 'bot'; keyId: string; botIds: string[]; expiresAt: Date };
