import { describe, expect, it } from 'vitest';
import { sanitizeText } from '../../../src/alert/sanitize.js';
import { RawPolicy } from '../../../src/ingest/raw-policy.js';
import { isAllowedSubscribeUrl } from '../../../src/ingest/sns-confirmer.js';

describe('RawPolicy', () => {
  const payload = { a: 1, nested: { b: 2 }, c: 3 };

  it('applies the default and per-provider policies', () => {
    const policy = new RawPolicy({ default: 'none', providers: 'datadog=all;grafana=fields:a,nested.b' }, () => 0.5);
    expect(policy.select('prometheus', payload)).toBeUndefined();
    expect(policy.select('datadog', payload)).toBe(payload);
    expect(policy.select('grafana', payload)).toEqual({ a: 1, 'nested.b': 2 });
  });

  it('samples at the configured rate', () => {
    expect(new RawPolicy({ default: 'sample:0.25', providers: '' }, () => 0.2).select('x', payload)).toBe(payload);
    expect(new RawPolicy({ default: 'sample:0.25', providers: '' }, () => 0.3).select('x', payload)).toBeUndefined();
  });

  it('rejects malformed policies with the expected form', () => {
    expect(() => new RawPolicy({ default: 'sometimes', providers: '' })).toThrow(
      /expected all, none, sample:<0..1> or fields:<a,b.c>/,
    );
    expect(() => new RawPolicy({ default: 'all', providers: 'datadog' })).toThrow(/expected provider=policy/);
  });
});

describe('sanitizeText', () => {
  it('strips NUL and replaces lone surrogates everywhere, keys included, without touching prototypes', () => {
    const input = JSON.parse(
      '{"na\\u0000me":"a\\u0000b","bad":"x\\ud800y","ok":"\\ud83d\\ude00","__proto__":{"polluted":1}}',
    );
    const clean = sanitizeText(input);
    expect(clean.name).toBe('ab');
    expect(clean.bad).toBe('x\ufffdy');
    expect(clean.ok).toBe('😀');
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('isAllowedSubscribeUrl', () => {
  it('accepts only AWS SNS confirmation endpoints', () => {
    expect(
      isAllowedSubscribeUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y'),
    ).toBe(true);
    expect(isAllowedSubscribeUrl('https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription&Token=y')).toBe(
      true,
    );
    expect(isAllowedSubscribeUrl('http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=y')).toBe(false);
    expect(isAllowedSubscribeUrl('https://sns.eu-west-1.amazonaws.com.evil.test/?Action=ConfirmSubscription&')).toBe(
      false,
    );
    expect(isAllowedSubscribeUrl('https://169.254.169.254/latest/meta-data/')).toBe(false);
  });
});
