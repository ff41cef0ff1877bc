import * as crypto from 'node:crypto';

/**
 * Node ≥ 20.12's one-shot `crypto.hash` skips building a Hash object, which costs more than hashing
 * a short text; `createHash` keeps Node 20.10 and 20.11 (still in `engines`) working.
 */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');
