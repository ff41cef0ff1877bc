declare const alertKeyBrand: unique symbol;

/**
 * One alert's identity as a single string: its tenant and fingerprint, NUL-separated (both are
 * PostgreSQL text, which cannot hold a NUL). The form is persisted (shards and escalation job ids
 * are hashed from it, the storm guard keeps it in Redis), so it must not change.
 */
export type AlertKey = string & { readonly [alertKeyBrand]: true };

/** The AlertKey of (tenant, fingerprint). */
export function alertKey(tenant: string, fingerprint: string): AlertKey {
  return `${tenant}\u0000${fingerprint}` as AlertKey;
}
