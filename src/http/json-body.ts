import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { hasUnstorableText } from '../alert/sanitize.js';
import { ApiError, type ErrorCode } from './errors.js';

/** Structural bounds of every JSON body (JSON_MAX_DEPTH, JSON_MAX_ARRAY_LENGTH, JSON_MAX_KEYS). */
export interface JsonLimits {
  /** Containers nested inside each other; the top-level object or array is depth 1. */
  maxDepth: number;
  /** Elements of any one array, the top-level one included. */
  maxArrayLength: number;
  /** Object keys in the whole body. */
  maxKeys: number;
}

/**
 * What happens to text PostgreSQL cannot store (U+0000, unpaired surrogates): `reject` answers 400
 * naming the path; `flag` lets it through and marks the request, whose handler strips it (ingestion,
 * where Keep strips NUL too).
 */
export type UnstorableText = 'reject' | 'flag';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether the parsed body may hold text PostgreSQL cannot store (NUL, lone surrogates). */
    bodyNeedsSanitizing?: boolean;
  }
}

/**
 * The rest of a JSON escape that decodes to U+0000 or to a UTF-16 surrogate half (raw text cannot
 * carry either), read where `lastIndex` puts it: just after a `\u`.
 */
const UNSTORABLE_ESCAPE_DIGITS = /0000|[dD][89a-fA-F]/y;

interface Problem {
  code: ErrorCode;
  message: string;
  path: string;
}

/** Decodes a body as strict UTF-8 (RFC 8259 §8.1): a decoder would silently turn bad bytes into U+FFFD. */
export function decodeUtf8(body: Buffer): string {
  if (!isUtf8(body)) {
    throw new ApiError('bad_request', 'the request body is not valid UTF-8');
  }
  return body.toString('utf8');
}

/**
 * The JSON body parser of every route: strict UTF-8, no `__proto__` or `constructor.prototype` key,
 * no number that overflows to Infinity, and the structural limits. Problems are named with their path.
 */
export function createJsonBodyParser(limits: JsonLimits, unstorable: UnstorableText) {
  return (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void): void => {
    try {
      done(null, parseJson(request, decodeUtf8(body), limits, unstorable));
    } catch (error) {
      done(error as Error);
    }
  };
}

function parseJson(request: FastifyRequest, text: string, limits: JsonLimits, unstorable: UnstorableText): unknown {
  if (text.trim() === '') throw new ApiError('invalid_json', 'the request body is empty');
  // Counted before parsing: JSON.parse itself is what a body of many keys makes slow.
  if (keyCountExceeds(text, limits.maxKeys))
    throw new ApiError('payload_too_large', `the body holds more than ${limits.maxKeys} object keys`, { path: '/' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  // Most bodies cannot hold unstorable text, and the raw text tells without a walk over strings.
  const mayHoldUnstorable = hasUnstorableEscape(text);
  if (unstorable === 'flag') request.bodyNeedsSanitizing = mayHoldUnstorable;
  const problem = inspect(value, 1, limits, unstorable === 'reject' && mayHoldUnstorable);
  if (problem) {
    const path = problem.path || '/';
    throw new ApiError(problem.code, `${problem.message} at ${path}`, { path });
  }
  return value;
}

/**
 * Whether `text` holds an escape of U+0000 or of a surrogate half. A native search for each `\u`
 * settles it: most bodies hold none or a few (Go escapes `&` as \u0026), where one regular
 * expression over the whole text costs twenty times more.
 */
function hasUnstorableEscape(text: string): boolean {
  for (let at = text.indexOf('\\u'); at !== -1; at = text.indexOf('\\u', at + 2)) {
    UNSTORABLE_ESCAPE_DIGITS.lastIndex = at + 2;
    if (UNSTORABLE_ESCAPE_DIGITS.test(text)) return true;
  }
  return false;
}

/**
 * Whether `text` holds more than `limit` object keys. A key takes at least four characters (`"":0`),
 * so a text of at most 4 × `limit` cannot, which settles nearly every body without a scan. In JSON
 * every key, and nothing else outside a string, is followed by a colon: counting all colons (a native
 * search) settles most others; only when they exceed the limit is the text scanned again for colons
 * outside strings.
 */
function keyCountExceeds(text: string, limit: number): boolean {
  if (text.length <= 4 * limit) return false;
  let colons = 0;
  for (let at = text.indexOf(':'); at !== -1 && colons <= limit; at = text.indexOf(':', at + 1)) colons++;
  if (colons <= limit) return false;
  let keys = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === COLON && ++keys > limit) return true;
  }
  return false;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;

/**
 * The first limit or content problem in a parsed body, with its JSON pointer. Recursion is bounded
 * by `maxDepth`, so a hostile nesting cannot exhaust the stack.
 */
function inspect(value: unknown, depth: number, limits: JsonLimits, checkText: boolean): Problem | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { code: 'invalid_json', message: 'a number is out of range', path: '' };
  }
  if (typeof value === 'string') {
    return checkText && hasUnstorableText(value) ? unstorableText() : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth > limits.maxDepth) {
    return { code: 'payload_too_large', message: `the body nests deeper than ${limits.maxDepth} levels`, path: '' };
  }
  if (Array.isArray(value)) {
    if (value.length > limits.maxArrayLength) {
      return {
        code: 'payload_too_large',
        message: `an array holds ${value.length} elements, more than ${limits.maxArrayLength}`,
        path: '',
      };
    }
    for (let index = 0; index < value.length; index++) {
      const problem = inspect(value[index], depth + 1, limits, checkText);
      if (problem) return within(String(index), problem);
    }
    return null;
  }
  const object = value as Record<string, unknown>;
  // for…in over a JSON.parse result sees exactly its own keys, without allocating entry pairs.
  for (const key in object) {
    const item = object[key];
    // JSON.parse keeps these as plain keys, but a later merge or assignment would reach a prototype.
    if (
      key === '__proto__' ||
      (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item)
    ) {
      return within(key, { code: 'invalid_json', message: `forbidden key "${key}" (prototype pollution)`, path: '' });
    }
    if (checkText && hasUnstorableText(key)) return within(key, unstorableText());
    const problem = inspect(item, depth + 1, limits, checkText);
    if (problem) return within(key, problem);
  }
  return null;
}

function unstorableText(): Problem {
  return {
    code: 'bad_request',
    message: 'text holds a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored',
    path: '',
  };
}

/** Prefixes a problem's JSON pointer with one reference token (RFC 6901 escaping). */
function within(key: string, problem: Problem): Problem {
  return { ...problem, path: `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}${problem.path}` };
}
