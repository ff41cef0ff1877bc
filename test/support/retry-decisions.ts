import type { FailureClass } from '../../src/failure.js';

/** What should happen after a target answers with a status: one table, reused by every target's tests. */
export type RetryDecision = 'delivered' | FailureClass;

/**
 * HTTP status → expected decision (targets.md, "Common retry semantics"): 2xx delivered; network
 * errors, 408, 425, 429 and 5xx transient (retried); any other 4xx permanent (dead-lettered), and
 * so is a redirect, which is not followed.
 */
export const STATUS_DECISIONS: ReadonlyArray<readonly [status: number, decision: RetryDecision]> = [
  [200, 'delivered'],
  [201, 'delivered'],
  [202, 'delivered'],
  [204, 'delivered'],
  [301, 'permanent'],
  [302, 'permanent'],
  [307, 'permanent'],
  [400, 'permanent'],
  [401, 'permanent'],
  [403, 'permanent'],
  [404, 'permanent'],
  [408, 'transient'],
  [410, 'permanent'],
  [413, 'permanent'],
  [422, 'permanent'],
  [425, 'transient'],
  [429, 'transient'],
  [500, 'transient'],
  [502, 'transient'],
  [503, 'transient'],
  [504, 'transient'],
];

/** SMTP reply classes: 4xx transient, 5xx permanent (targets.md, Email). */
export const SMTP_DECISIONS: ReadonlyArray<readonly [code: number, decision: RetryDecision]> = [
  [421, 'transient'],
  [450, 'transient'],
  [451, 'transient'],
  [452, 'transient'],
  [550, 'permanent'],
  [552, 'permanent'],
  [554, 'permanent'],
];
