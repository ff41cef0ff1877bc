import type { Alert } from '../alert/alert.js';

/** A stored alert of a batch, with the state its fingerprint was left in as the upsert returned it. */
export interface CommittedAlert {
  alert: Alert;
  /** The alert as JSON, as the ingest log carried it (outputs that send the whole alert splice it in). */
  json: string;
  /** new: the fingerprint's first stored occurrence; changed: its content differs from the last one. */
  change: 'new' | 'changed';
  /** Lifecycle state of the fingerprint after this batch (firing, resolved, acknowledged, suppressed, …). */
  state: string;
  /** Start of the fingerprint's current firing episode (ISO-8601), null when unknown. */
  episodeStartedAt: string | null;
}

/** One shard's committed alerts of one transaction: what every after-commit output receives. */
export interface CommittedBatch {
  /** Outbox row id: stable across a re-run after a crash, so outputs can be idempotent on it. */
  id: string;
  shard: number;
  alerts: CommittedAlert[];
}

/**
 * A step that runs after a batch committed (realtime, publish, escalation). Throwing means "try
 * again later": the batch's outbox row stays until every output has succeeded once.
 */
export interface CommitOutput {
  name: string;
  run(batch: CommittedBatch): Promise<void>;
}
