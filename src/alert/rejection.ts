/**
 * Why domain code refuses its input. The codes are the API's error codes for these refusals; only
 * the HTTP layer knows the status each is answered with.
 */
export type RejectionCode =
  /** The input does not have the shape its format requires, or holds a value outside what is accepted. */
  | 'invalid_payload'
  /** The input holds more than a configured limit allows. */
  | 'payload_too_large';

/** A refusal of input, returned (not thrown) by domain code: what is wrong, and where. */
export interface Rejection {
  kind: 'reject';
  code: RejectionCode;
  /** For the client: what is wrong, naming the path when there is one. */
  message: string;
  /** JSON Pointer to the refused part of the input; absent when the input is refused as a whole. */
  path?: string;
  /** Structured facts for the client (the provider, its docs, the limit broken). */
  details?: Record<string, unknown>;
}

/** A Rejection of the input (at `path`, when given). */
export function rejection(
  code: RejectionCode,
  message: string,
  where: { path?: string; details?: Record<string, unknown> } = {},
): Rejection {
  return { kind: 'reject', code, message, ...where };
}
