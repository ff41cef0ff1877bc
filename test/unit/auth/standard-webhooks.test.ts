import { describe, expect, it } from 'vitest';
import {
  type CheckedHeaders,
  checkSignatureHeaders,
  generateSigningSecret,
  signatureMatches,
  signingSecretProblem,
  signStandardWebhook,
} from '../../../src/auth/standard-webhooks.js';

// Test vector from the Standard Webhooks reference libraries.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

function checked(signature: string, now = TIMESTAMP): CheckedHeaders {
  const result = checkSignatureHeaders({ id: ID, timestamp: String(TIMESTAMP), signature }, now, 300);
  if (!result.ok) throw new Error(result.message);
  return result;
}

describe('Standard Webhooks', () => {
  it('signs and verifies the reference vector', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(signatureMatches(SECRET, checked(SIGNATURE), Buffer.from(BODY))).toBe(true);
  });

  it('accepts any one matching v1 signature among several, skipping other versions', () => {
    const wrong = signStandardWebhook(SECRET, ID, TIMESTAMP, '{}');
    expect(signatureMatches(SECRET, checked(`v1a,abc ${wrong} ${SIGNATURE}`), Buffer.from(BODY))).toBe(true);
    expect(signatureMatches(SECRET, checked(`${wrong} v2,${SIGNATURE.slice(3)}`), Buffer.from(BODY))).toBe(false);
  });

  it('refuses a changed byte, id, timestamp or secret', () => {
    const headers = checked(SIGNATURE);
    expect(signatureMatches(SECRET, headers, Buffer.from(BODY.replace('2', '3')))).toBe(false);
    expect(signatureMatches(SECRET, { ...headers, id: `${ID}x` }, Buffer.from(BODY))).toBe(false);
    expect(signatureMatches(SECRET, { ...headers, timestamp: TIMESTAMP + 1 }, Buffer.from(BODY))).toBe(false);
    expect(signatureMatches(generateSigningSecret(), headers, Buffer.from(BODY))).toBe(false);
    // A truncated signature is refused, not compared on its common prefix.
    expect(signatureMatches(SECRET, checked(SIGNATURE.slice(0, 20)), Buffer.from(BODY))).toBe(false);
  });

  it('hashes the body bytes as they are, including bytes that are not UTF-8', () => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const signature = signStandardWebhook(SECRET, ID, TIMESTAMP, body);
    expect(signatureMatches(SECRET, checked(signature), body)).toBe(true);
    // Decoding and re-encoding replaces the invalid bytes, which must not verify.
    expect(signatureMatches(SECRET, checked(signature), Buffer.from(body.toString('utf8')))).toBe(false);
  });

  it('names what is wrong with the headers before any body is read', () => {
    const check = (headers: { id?: string; timestamp?: string; signature?: string }, now = TIMESTAMP) => {
      const result = checkSignatureHeaders(
        { id: headers.id, timestamp: headers.timestamp, signature: headers.signature },
        now,
        300,
      );
      return result.ok ? 'ok' : `${result.code}: ${result.message}`;
    };
    const all = { id: ID, timestamp: String(TIMESTAMP), signature: SIGNATURE };
    expect(check({})).toMatch(/^signature_missing: .*webhook-id, webhook-timestamp, webhook-signature$/);
    expect(check({ ...all, signature: undefined })).toMatch(/^signature_missing: .*missing webhook-signature$/);
    expect(check({ ...all, timestamp: '1614265330.5' })).toMatch(/^signature_invalid: .*integer Unix seconds/);
    expect(check({ ...all, timestamp: '-5' })).toMatch(/^signature_invalid/);
    expect(check({ ...all, signature: 'v1a,abc' })).toMatch(/^signature_invalid: .*no v1 signature/);
    expect(check({ ...all, id: 'x'.repeat(257) })).toMatch(/^signature_invalid/);
    expect(check(all, TIMESTAMP + 300)).toBe('ok');
    expect(check(all, TIMESTAMP - 300)).toBe('ok');
    expect(check(all, TIMESTAMP + 301)).toMatch(/^signature_expired: .*301s away/);
    expect(check(all, TIMESTAMP - 301)).toMatch(/^signature_expired/);
  });

  it('accepts whsec_ secrets of 24 to 64 bytes only', () => {
    expect(signingSecretProblem(SECRET)).toBeNull();
    expect(signingSecretProblem(generateSigningSecret())).toBeNull();
    expect(signingSecretProblem('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toMatch(/whsec_/);
    expect(signingSecretProblem('whsec_not base64!')).toMatch(/whsec_/);
    expect(signingSecretProblem(`whsec_${Buffer.alloc(16).toString('base64')}`)).toMatch(/24 to 64 bytes \(16 given\)/);
    expect(signingSecretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`)).toMatch(/65 given/);
  });
});
