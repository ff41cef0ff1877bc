import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type CloudwatchPayload, cloudwatchAdapter } from '../../../src/providers/cloudwatch.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(cloudwatchAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function normalize(payload: Record<string, unknown>): NormalizeResult {
  expect(check.Check(payload)).toBe(true);
  return cloudwatchAdapter.normalize(payload as CloudwatchPayload, ctx);
}

function single(payload: Record<string, unknown>): AlertDraft {
  const result = normalize(payload);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The alarm notification with its Message replaced by `alarm` serialized as SNS does. */
function withAlarm(patch: Record<string, unknown>): Record<string, unknown> {
  const payload = fixture('cloudwatch/alarm-notification.json');
  const alarm = { ...JSON.parse(payload.Message as string), ...patch };
  return { ...payload, Message: JSON.stringify(alarm) };
}

describe('cloudwatch adapter', () => {
  it('declares its contract', () => {
    expect(cloudwatchAdapter.type).toBe('cloudwatch');
    expect(cloudwatchAdapter.fingerprintFields).toEqual([]);
    expect(cloudwatchAdapter.docsUrl).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/sns\//);
  });

  it('maps an ALARM state change notification', () => {
    const payload = fixture('cloudwatch/alarm-notification.json');
    const alert = single(payload);
    const { Message, ...envelope } = payload;
    const alarm = JSON.parse(Message as string);
    expect(alert).toEqual({
      id: sha256(Message as string),
      name: 'prod-api-HighCPUUtilization',
      status: 'firing',
      severity: 'info',
      fingerprint: null,
      lastReceived: '2024-05-14T10:25:39.285Z',
      description: 'CPU above 80% for 5 minutes on the API fleet',
      message: null,
      source: ['cloudwatch'],
      service: null,
      environment: null,
      url: null,
      labels: { InstanceId: 'i-0a1b2c3d4e5f67890', AutoScalingGroupName: 'prod-api' },
      extra: { ...alarm, sns: envelope },
    });
    expect(Object.keys(alert.extra).sort()).toEqual(
      [
        'AWSAccountId',
        'AlarmActions',
        'AlarmArn',
        'AlarmConfigurationUpdatedTimestamp',
        'AlarmDescription',
        'AlarmName',
        'InsufficientDataActions',
        'NewStateReason',
        'NewStateValue',
        'OKActions',
        'OldStateValue',
        'Region',
        'StateChangeTime',
        'Trigger',
        'sns',
      ].sort(),
    );
    expect(alert.extra.sns).not.toHaveProperty('Message');
  });

  it('uses the raw Message hash as id, so two notifications of one alarm differ', () => {
    const first = single(withAlarm({ StateChangeTime: '2024-05-14T10:25:39.285+0000' }));
    const second = single(withAlarm({ StateChangeTime: '2024-05-14T10:30:39.285+0000' }));
    expect(first.id).not.toBe(second.id);
    expect(first.name).toBe(second.name);
    expect(first.fingerprint).toBeNull();
  });

  it.each([
    ['ALARM', 'firing'],
    ['OK', 'resolved'],
    ['INSUFFICIENT_DATA', 'pending'],
    ['alarm', 'firing'],
    ['SOMETHING_NEW', 'firing'],
  ])('maps NewStateValue %s to %s', (state, status) => {
    const alert = single(withAlarm({ NewStateValue: state, OldStateValue: 'ALARM' }));
    expect(alert.status).toBe(status);
    expect(alert.severity).toBe('info');
  });

  it('falls back to the SNS Timestamp, then to receive time, when StateChangeTime is unusable', () => {
    expect(single(withAlarm({ StateChangeTime: undefined })).lastReceived).toBe('2024-05-14T10:25:39.331Z');
    const noTimes = { ...withAlarm({ StateChangeTime: 'not a time' }), Timestamp: undefined };
    expect(single(noTimes).lastReceived).toBe(now.toISOString());
  });

  it('keeps a null AlarmDescription as null and a composite alarm without dimensions', () => {
    const alert = single(withAlarm({ AlarmDescription: null, Trigger: undefined, AlarmRule: 'ALARM(a) OR ALARM(b)' }));
    expect(alert.description).toBeNull();
    expect(alert.labels).toEqual({});
    expect(alert.extra.AlarmRule).toBe('ALARM(a) OR ALARM(b)');
  });

  it('keeps a non-JSON Message as the alert text instead of throwing or dropping it', () => {
    const payload = {
      ...fixture('cloudwatch/alarm-notification.json'),
      Subject: 'Budget alert',
      Message: 'not json {',
    };
    const alert = single(payload);
    expect(alert).toMatchObject({
      id: sha256('not json {'),
      name: 'Budget alert',
      status: 'firing',
      message: 'not json {',
      lastReceived: '2024-05-14T10:25:39.331Z',
      labels: {},
    });
    expect(alert.extra.sns).toMatchObject({ Subject: 'Budget alert', Type: 'Notification' });
  });

  it('names a JSON message without AlarmName after the topic when there is no Subject', () => {
    const payload = { ...fixture('cloudwatch/alarm-notification.json'), Subject: null, Message: '[1,2]' };
    const alert = single(payload);
    expect(alert.name).toBe('arn:aws:sns:us-east-1:123456789012:alerts-to-keep');
    expect(alert.message).toBe('[1,2]');
  });

  it('asks the gateway to confirm a subscription', () => {
    expect(normalize(fixture('cloudwatch/subscription-confirmation.json'))).toEqual({
      kind: 'confirm-subscription',
      subscribeUrl: expect.stringMatching(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription&/),
      topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts-to-keep',
    });
  });

  it('skips a subscription confirmation without SubscribeURL and an unsubscribe confirmation', () => {
    const { SubscribeURL: _, ...noUrl } = fixture('cloudwatch/subscription-confirmation.json');
    expect(normalize(noUrl)).toMatchObject({ kind: 'skip', reason: expect.stringContaining('SubscribeURL') });
    expect(normalize(fixture('cloudwatch/unsubscribe-confirmation.json'))).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('UnsubscribeConfirmation'),
    });
  });

  it('rejects payloads of other providers and envelopes missing a required field', () => {
    expect(check.Check(fixture('azuremonitoring/metric-alert-fired.json'))).toBe(false);
    expect(check.Check(fixture('gcpmonitoring/incident-open.json'))).toBe(false);
    const { Message: _, ...noMessage } = fixture('cloudwatch/alarm-notification.json');
    expect(check.Check(noMessage)).toBe(false);
    const objectMessage = { ...fixture('cloudwatch/alarm-notification.json'), Message: { AlarmName: 'x' } };
    expect(check.Check(objectMessage)).toBe(false);
    const paths = [...check.Errors(noMessage)].map((error) => error.instancePath);
    expect(paths.some((path) => path === '' || path === '/Message')).toBe(true);
  });
});
