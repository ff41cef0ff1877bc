/** Canonical alert model shared by every stage (Keep's AlertDto, minus per-request noise). */

/** Severities in ascending order; the index + 1 is Keep's numeric order (low = 1 … critical = 5). */
export const SEVERITIES = ['low', 'info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['firing', 'resolved', 'acknowledged', 'suppressed', 'pending', 'maintenance'] as const;
export type Status = (typeof STATUSES)[number];

/** What a provider adapter produces from one native payload item. */
export interface AlertDraft {
  /** Provider-assigned event id; null when the provider has none. */
  id: string | null;
  name: string;
  status: Status;
  severity: Severity;
  /** Provider fingerprint; null means "use the default rule" (sha256 of the name). */
  fingerprint: string | null;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z. */
  lastReceived: string;
  description: string | null;
  message: string | null;
  source: string[];
  service: string | null;
  environment: string | null;
  url: string | null;
  labels: Record<string, string>;
  /** Vendor fields with no canonical home, kept so nothing the provider sent is lost. */
  extra: Record<string, unknown>;
}

/** A normalized alert as it travels through the queue. */
export interface Alert extends Omit<AlertDraft, 'id' | 'fingerprint'> {
  /** Deterministic, time-ordered alert id (see identity.alertId): a replayed job cannot insert twice. */
  id: string;
  /** Provider event id, if any. */
  eventId: string | null;
  fingerprint: string;
  tenant: string;
  providerType: string;
  providerId: string | null;
  /** ISO-8601 time the gateway accepted the request. */
  receivedAt: string;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity) + 1;
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

/** Keep's severity coercion: exact (case-sensitive) names, ints 1–5 by order, else info. */
export function toSeverity(value: unknown): Severity {
  if (isSeverity(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5)
    return SEVERITIES[value - 1] as Severity;
  return 'info';
}

/** Keep's status coercion: known values pass, anything else is firing. */
export function toStatus(value: unknown): Status {
  return isStatus(value) ? value : 'firing';
}
