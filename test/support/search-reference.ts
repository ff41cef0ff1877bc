/**
 * Test alerts with varied, tricky content, and a reference implementation of the search filters
 * written independently of src/search, to compare the federated answer against.
 */
import { randomUUID } from 'node:crypto';
import { SEVERITIES } from '../../src/alert/alert.js';
import type { StoredAlert } from './search-fixtures.js';

/** name / description / message triples exercising the text-matching rules. */
export const TEXT_VARIANTS: [string, string | null, string | null][] = [
  ['Disk full on db-1', 'foo.bar volume at 99%', null],
  ['CPU high', "can't schedule pods", 'node 10.0.0.1 overloaded'],
  ['İstanbul DC latency', null, 'ÄRGER mit Kelvin \u212A-band'],
  ['disk_full_warning', '磁盘满了 on abcなにぬ', 'x1y2 soft\u00adhyphen'],
  ['Memory pressure', 'OOMKilled container api', 'restart count 5'],
  ['DiskPressure', '\uFB01le system at 95 %', null],
  [`Token ${'q'.repeat(200)}zz end`, 'payload: {"key":"value"}', "'; drop table alerts; --"],
];

export const PROVIDERS = ['prometheus', 'grafana', 'datadog'];
export const STATUSES = ['firing', 'resolved', 'acknowledged'] as const;
export const FINGERPRINTS = ['fp-0', 'fp-1', 'fp-2', 'fp-3', "fp 'quoted'"];
export const SERVICES = ['api', 'db', null];
export const ENVIRONMENTS = ['prod', 'staging', null];
const LABEL_VALUES: Record<string, string[]> = { team: ['core', 'infra'], region: ['eu', 'us'], 'k8s.io/app': ['web'] };

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One alert per time in `times` (epoch ms), content cycling through every variant. */
export function generateAlerts(tenant: string, times: readonly number[], seed = 1): StoredAlert[] {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  return times.map((time, i) => {
    const [name, description, message] = TEXT_VARIANTS[i % TEXT_VARIANTS.length] as (typeof TEXT_VARIANTS)[number];
    const labels: Record<string, string> = {};
    for (const [key, values] of Object.entries(LABEL_VALUES)) if (random() < 0.6) labels[key] = pick(values);
    const receivedAt = new Date(time).toISOString();
    return {
      id: randomUUID(),
      eventId: random() < 0.5 ? `evt-${i}` : null,
      fingerprint: pick(FINGERPRINTS),
      tenant,
      providerType: pick(PROVIDERS),
      providerId: random() < 0.5 ? 'main' : null,
      receivedAt,
      name,
      status: pick(STATUSES),
      severity: pick(SEVERITIES),
      lastReceived: receivedAt,
      description,
      message,
      source: [pick(PROVIDERS)],
      service: pick(SERVICES),
      environment: pick(ENVIRONMENTS),
      url: random() < 0.3 ? 'https://example.test/a' : null,
      labels,
      extra: { seq: i },
      startedAt: receivedAt,
      contentHash: `hash-${i}`,
    };
  });
}

/** `count` times spread evenly over [from, to) (epoch ms), rounded to milliseconds. */
export function spread(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor(from + ((to - from) * (i + 0.5)) / count));
}

export interface ReferenceFilter {
  tenant: string;
  from: number;
  to: number;
  provider?: string[];
  severity?: string[];
  status?: string[];
  fingerprint?: string[];
  service?: string[];
  environment?: string[];
  labels?: string[];
  q?: string;
}

/** Lowercase per character with the Unicode simple mapping (JS maps İ to two characters). */
function simpleLower(text: string): string {
  return [...text].map((char) => (char === '\u0130' ? 'i' : char.toLowerCase())).join('');
}

/** The documented semantics, implemented directly. */
export function referenceMatches(alert: StoredAlert, filter: ReferenceFilter): boolean {
  const time = Date.parse(alert.receivedAt);
  const oneOf = (values: string[] | undefined, value: string | null) =>
    !values || values.length === 0 || (value !== null && values.includes(value));
  const terms = (filter.q ?? '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const fields = [alert.name, alert.description, alert.message].filter((v): v is string => v !== null).map(simpleLower);
  return (
    alert.tenant === filter.tenant &&
    time >= filter.from &&
    time <= filter.to &&
    oneOf(filter.provider, alert.providerType) &&
    oneOf(filter.severity, alert.severity) &&
    oneOf(filter.status, alert.status) &&
    oneOf(filter.fingerprint, alert.fingerprint) &&
    oneOf(filter.service, alert.service) &&
    oneOf(filter.environment, alert.environment) &&
    (filter.labels ?? []).every((pair) => {
      const [key, ...rest] = pair.split('=');
      return alert.labels[key as string] === rest.join('=');
    }) &&
    terms.every((term) => fields.some((field) => field.includes(term)))
  );
}

/** Ids of the matching alerts in (receivedAt, id) order. */
export function referenceIds(alerts: readonly StoredAlert[], filter: ReferenceFilter, sort: 'asc' | 'desc'): string[] {
  const matching = alerts.filter((alert) => referenceMatches(alert, filter));
  matching.sort((a, b) => {
    const byTime = Date.parse(a.receivedAt) - Date.parse(b.receivedAt);
    const order = byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return sort === 'asc' ? order : -order;
  });
  return matching.map((alert) => alert.id);
}
