import type { TSchema } from 'typebox';
import type { Alert } from '../../alert/alert.js';
import type { RateLimit, TargetType } from '../model.js';
import type { HttpSender, Reply } from './http.js';

/** What a formatter knows about the delivery it formats. */
export interface FormatContext {
  batchId: string;
  target: string;
  /** Stable id of this (batch, target) delivery, reused on retries (Standard Webhooks `webhook-id`). */
  messageId: string;
  now: Date;
}

/** What a sender gets to make one request. */
export interface SendIo {
  http: HttpSender;
  /** Aborts when the target's delivery timeout passes or the publisher stops. */
  signal: AbortSignal;
  timeoutMs: number;
}

/** One request and the alerts it carries (so a partly failed delivery retries only what failed). */
export interface Outgoing<R> {
  alerts: Alert[];
  request: R;
}

/**
 * A target type: its settings schema, how alerts become requests (formatter) and how one request
 * is sent (sender). A sender makes exactly one attempt; retries, timeouts, rate limits and
 * circuit breaking belong to the delivery wrapper (deliver.ts).
 */
export interface TargetAdapter<Settings, Request> {
  type: TargetType;
  /** TypeBox schema of `settings`; unknown keys are refused. */
  settingsSchema: TSchema;
  /** Settings paths (dotted) holding secrets: replaced before anything is logged or returned. */
  secretFields: readonly string[];
  /** The vendor's documented limit, used when the target sets none. */
  defaultRateLimit?: RateLimit;
  /** One request per alert (the API takes no arrays): only each fingerprint's newest state is sent. */
  perAlert: boolean;
  /** The rate limit counts alerts, not requests: a request takes one token per alert it carries. */
  limitsAlerts?: boolean;
  /** Over its rate limit the target gets only each fingerprint's newest state (storm.ts). */
  stormMode?: boolean;
  format(alerts: Alert[], settings: Settings, context: FormatContext): Outgoing<Request>[];
  send(request: Request, settings: Settings, io: SendIo): Promise<Reply>;
}

/** An adapter with its types erased, as the registry holds it. */
export type AnyAdapter = TargetAdapter<unknown, unknown>;

/** Registers an adapter; the registry validates settings against `settingsSchema` before any call. */
export function defineAdapter<Settings, Request>(adapter: TargetAdapter<Settings, Request>): AnyAdapter {
  return adapter as unknown as AnyAdapter;
}

/** Cuts text to a vendor field limit, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One-line human summary of an alert. */
export function headline(alert: Alert): string {
  const where = alert.service ?? alert.source[0] ?? alert.providerType;
  return `[${alert.status}] ${alert.name} (${alert.severity}, ${where})`;
}

/** The alert's longest human text: message, else description, else its name. */
export function detail(alert: Alert): string {
  return alert.message ?? alert.description ?? alert.name;
}
