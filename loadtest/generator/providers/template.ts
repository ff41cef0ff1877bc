/** Severity levels the generator draws; each template maps them onto its provider's vocabulary. */
export type GenSeverity = 'critical' | 'warning' | 'info';

/** One alert as the generator models it, before it is rendered in a provider's format. */
export interface TemplateAlert {
  /** 16 hex digits, unique per alert identity within a tenant: the provider fingerprint is derived from it. */
  key: string;
  /** Alert rule name shared by a fingerprint family (a storm is one family exploding). */
  family: string;
  /** Host / resource the alert is about; unique per identity. */
  instance: string;
  service: string;
  team: string;
  env: string;
  region: string;
  severity: GenSeverity;
  firing: boolean;
  /** Start of the current firing episode and, once resolved, its end (epoch ms). */
  startedAt: number;
  endedAt: number;
  /** Free text (no quotes or backslashes, so its JSON length is its length) sized to reach the payload size. */
  text: string;
}

/** Renders alerts in one provider's webhook format (shapes follow test/fixtures/providers/<type>). */
export interface ProviderTemplate {
  /** Provider type of the ingestion path `/alerts/event/{type}`. */
  type: string;
  /** One payload item carrying one alert. */
  single(alert: TemplateAlert): unknown;
  /** One payload carrying several alerts natively (Alertmanager-style groups); without it a batch is a top-level array. */
  group?(alerts: readonly TemplateAlert[]): unknown;
}

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A stable UUID-shaped id from a hex key and a counter, so re-sent payloads are byte-identical. */
export function uuidOf(key: string, salt: number): string {
  const hex = `${key}${salt.toString(16).padStart(16, '0')}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A decimal id from the key, for providers with numeric ids. */
export function numericId(key: string, digits = 10): string {
  return String(Number.parseInt(key.slice(0, 12), 16))
    .padStart(digits, '1')
    .slice(-digits);
}
