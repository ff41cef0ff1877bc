/** The fixed set of failure classes: one decision for retries, one label for metrics. */
export type FailureClass = 'transient' | 'permanent';

/** Network-level error codes (Node and postgres.js) that say "try again", not "this is wrong". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * PostgreSQL SQLSTATE classes that are transient: connection (08), serialization/deadlock (40),
 * insufficient resources (53), operator intervention such as shutdown (57), system errors (58).
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)/;

export function classifyFailure(error: unknown): FailureClass {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_CODES.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code) ? 'transient' : 'permanent';
  }
  // Unknown errors (bugs, unexpected libraries) are retried: losing an accepted alert is worse.
  return 'transient';
}
