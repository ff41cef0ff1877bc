/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/): `webhook-signature` holds
 * space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with
 * the base64-decoded part of the `whsec_…` secret. Used to sign what Alertgate sends and to verify
 * what it receives.
 *
 * Why not the `standardwebhooks` package: it decodes a Buffer body to a string before hashing (so
 * the signed bytes are not the received ones when they are not valid UTF-8), has a fixed
 * five-minute tolerance and reports the failure kind only in its message text.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
/** The spec's advice for secret length, in bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const TIMESTAMP = /^\d{1,12}$/;
const MAX_ID_LENGTH = 256;

/** Why a secret cannot be used, or null when it is a well-formed `whsec_` secret. */
export function signingSecretProblem(secret: string): string | null {
  const match = SECRET.exec(secret);
  if (!match) return 'a signing secret is "whsec_" followed by base64';
  const bytes = Buffer.from(match[1] as string, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES)
    return `a signing secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (${bytes} given)`;
  return null;
}

/** A fresh secret: 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function digest(secret: string, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` value (`v1,<base64>`) of a message; `body` is hashed byte for byte. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string | Uint8Array): string {
  return `v1,${digest(secret, id, timestamp, body).toString('base64')}`;
}

/** The three headers as received (absent ones undefined). */
export interface SignatureHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SignatureFailure = {
  ok: false;
  code: 'signature_missing' | 'signature_invalid' | 'signature_expired';
  message: string;
};

/** Headers that passed the checks needing no body: present, well-formed, timestamp within tolerance. */
export type CheckedHeaders = { ok: true; id: string; timestamp: number; signatures: Buffer[] };

/**
 * Checks the headers before the body is read, so a request that cannot pass costs no body read.
 * `nowSeconds` and `toleranceSeconds` are Unix seconds.
 */
export function checkSignatureHeaders(
  headers: SignatureHeaders,
  nowSeconds: number,
  toleranceSeconds: number,
): CheckedHeaders | SignatureFailure {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    const absent = Object.entries({ 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature })
      .filter(([, value]) => !value)
      .map(([name]) => name);
    return {
      ok: false,
      code: 'signature_missing',
      message: `this API key only accepts signed requests (Standard Webhooks); missing ${absent.join(', ')}`,
    };
  }
  if (id.length > MAX_ID_LENGTH)
    return { ok: false, code: 'signature_invalid', message: `webhook-id is longer than ${MAX_ID_LENGTH} characters` };
  if (!TIMESTAMP.test(timestamp))
    return { ok: false, code: 'signature_invalid', message: 'webhook-timestamp must be integer Unix seconds' };
  const seconds = Number(timestamp);
  const skew = Math.abs(nowSeconds - seconds);
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      code: 'signature_expired',
      message: `webhook-timestamp is ${skew}s away from now; at most ${toleranceSeconds}s is accepted`,
    };
  }
  // Other versions (e.g. v1a, asymmetric) are skipped, as the spec asks of a v1 verifier.
  const signatures = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (signatures.length === 0)
    return { ok: false, code: 'signature_invalid', message: 'webhook-signature holds no v1 signature' };
  return { ok: true, id, timestamp: seconds, signatures };
}

/** Whether any of the request's v1 signatures is the HMAC of this exact body (constant-time compare). */
export function signatureMatches(secret: string, headers: CheckedHeaders, body: Uint8Array): boolean {
  const expected = digest(secret, headers.id, headers.timestamp, body);
  return headers.signatures.some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}
