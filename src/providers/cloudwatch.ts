/**
 * AWS CloudWatch alarms delivered by an SNS HTTP(S) subscription → alert drafts, mapped as Keep's
 * cloudwatch provider does (keep-compat §5.6). Single: one SNS message is one alarm state change.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Status } from '../alert/alert.js';
import { sha256Hex } from '../alert/hash.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, labelValue, lookup, nonEmpty, parseObject } from './support.js';

/** SNS envelope; `Message` is the alarm as a JSON string (SNS always sends a string). */
const schema = Type.Object({
  Type: Type.String(),
  TopicArn: Type.String(),
  Message: Type.String(),
  MessageId: Type.Optional(Type.String()),
  Subject: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  Timestamp: Type.Optional(Type.String()),
  SubscribeURL: Type.Optional(Type.String()),
});

export type CloudwatchPayload = Static<typeof schema>;

const STATUS: Readonly<Record<string, Status>> = {
  ALARM: 'firing',
  OK: 'resolved',
  INSUFFICIENT_DATA: 'pending',
};

export const cloudwatchAdapter: ProviderAdapter<CloudwatchPayload> = {
  type: 'cloudwatch',
  displayName: 'AWS CloudWatch (SNS)',
  docsUrl: 'https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    if (payload.Type === 'SubscriptionConfirmation') {
      // The gateway decides whether to visit the URL; Keep always GETs it and stores nothing.
      if (!payload.SubscribeURL) return { kind: 'skip', reason: 'SNS SubscriptionConfirmation without SubscribeURL' };
      return { kind: 'confirm-subscription', subscribeUrl: payload.SubscribeURL, topicArn: payload.TopicArn };
    }
    if (payload.Type === 'UnsubscribeConfirmation') {
      return { kind: 'skip', reason: 'SNS UnsubscribeConfirmation carries no alarm' };
    }
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: CloudwatchPayload, ctx: NormalizeContext): AlertDraft {
  const { Message: raw, ...envelope } = payload;
  const alarm = parseObject(raw);
  const subject = typeof payload.Subject === 'string' && payload.Subject !== '' ? payload.Subject : null;
  // Keep drops a Message that is not a JSON object; we keep it as the alert text instead.
  const fields = alarm ?? {};
  const name = nonEmpty(fields.AlarmName) ?? subject ?? payload.TopicArn;
  const lastReceived =
    parseTimestamp(fields.StateChangeTime) ?? parseTimestamp(payload.Timestamp) ?? ctx.now.toISOString();
  return {
    // No event id in an alarm: Keep hashes the raw Message, so every notification is unique.
    id: sha256Hex(raw),
    name,
    status: lookup(STATUS, fields.NewStateValue) ?? 'firing',
    // CloudWatch alarms have no severity.
    severity: 'info',
    fingerprint: null,
    lastReceived,
    description: typeof fields.AlarmDescription === 'string' ? fields.AlarmDescription : null,
    message: alarm ? null : raw,
    source: ['cloudwatch'],
    service: null,
    environment: null,
    url: null,
    labels: dimensionLabels(fields.Trigger),
    extra: { ...fields, sns: envelope },
  };
}

/** Metric dimensions (`Trigger.Dimensions: [{name, value}]`) as labels; composite alarms have none. */
function dimensionLabels(trigger: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!isRecord(trigger) || !Array.isArray(trigger.Dimensions)) return labels;
  for (const dimension of trigger.Dimensions) {
    if (!isRecord(dimension) || typeof dimension.name !== 'string') continue;
    // A null value leaves an earlier dimension of the same name in place.
    const value = labelValue(dimension.value);
    if (value !== null) labels[dimension.name] = value;
  }
  return labels;
}
