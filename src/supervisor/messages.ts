import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** One process's registry as `registry.getMetricsAsJSON()` returns it (plain data, fit for IPC). */
export type RegistrySnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** What a child tells the supervisor over the node:cluster IPC channel. */
export type ChildMessage =
  /** The child's role has started (a gateway listens, a worker consumes). */
  | { type: 'alertgate:ready' }
  /** A gateway asks for every process's metrics, merged, to answer GET /metrics. */
  | { type: 'alertgate:metrics-request'; id: number }
  /** The child's own registry, answering a `metrics-collect`. */
  | { type: 'alertgate:metrics-snapshot'; id: number; metrics: RegistrySnapshot };

/** What the supervisor tells a child. */
export type SupervisorMessage =
  /** Drain and exit 0 (the role's graceful stop). */
  | { type: 'alertgate:shutdown' }
  /** Send your registry (`metrics-snapshot` with the same id). */
  | { type: 'alertgate:metrics-collect'; id: number }
  /** The merged exposition text for a `metrics-request`, or why there is none. */
  | { type: 'alertgate:metrics'; id: number; text: string }
  | { type: 'alertgate:metrics'; id: number; error: string };

type Message = ChildMessage | SupervisorMessage;

/** Narrows an IPC message of unknown shape to the Alertgate message of `type`. */
export function isMessage<T extends Message['type']>(value: unknown, type: T): value is Extract<Message, { type: T }> {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
