import { describe, expect, it } from 'vitest';
import { classifyDeliveryError, classifyStatus, parseRetryAfter } from '../../../src/failure.js';
import { SMTP_DECISIONS, STATUS_DECISIONS } from '../../support/retry-decisions.js';

describe('classifyStatus follows the shared status table', () => {
  for (const [status, decision] of STATUS_DECISIONS) {
    it(`${status} → ${decision}`, () => {
      expect(classifyStatus(status)?.class ?? 'delivered').toBe(decision);
    });
  }
  it('labels 429 throttled and 5xx server_error', () => {
    expect(classifyStatus(429)?.reason).toBe('throttled');
    expect(classifyStatus(502)?.reason).toBe('server_error');
    expect(classifyStatus(400)?.reason).toBe('rejected');
  });
});

describe('classifyDeliveryError', () => {
  it('treats timeouts and aborts as transient timeouts', () => {
    expect(classifyDeliveryError(new DOMException('t', 'TimeoutError'))).toMatchObject({
      class: 'transient',
      reason: 'timeout',
    });
    expect(classifyDeliveryError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toMatchObject({
      reason: 'timeout',
    });
  });
  it('treats connection errors as transient network failures', () => {
    expect(classifyDeliveryError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toMatchObject({
      class: 'transient',
      reason: 'network',
    });
  });
  for (const [code, decision] of SMTP_DECISIONS) {
    it(`SMTP ${code} → ${decision}`, () => {
      expect(classifyDeliveryError(Object.assign(new Error('smtp'), { responseCode: code })).class).toBe(decision);
    });
  }
  it('treats bad SMTP credentials or TLS as permanent', () => {
    expect(classifyDeliveryError(Object.assign(new Error('tls'), { code: 'ETLS' })).class).toBe('permanent');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('garbage', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
