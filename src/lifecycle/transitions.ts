/**
 * Lifecycle states are Keep's statuses (firing, resolved, acknowledged, suppressed, pending,
 * maintenance), kept per fingerprint on `last_alert.state`.
 *
 * Operator actions (this file): acknowledge, resolve, suppress, unsuppress — each allowed from the
 * states in TRANSITIONS, anything else is refused (409 with the current state).
 *
 * Occurrences from the source (SQL in store/batch-writer.ts, same transaction as the write):
 * 1. an operator suppression holds whatever the source sends, until unsuppressed;
 * 2. a `resolved` occurrence resolves;
 * 3. an acknowledgement holds until then (a firing resend does not un-acknowledge);
 * 4. otherwise the state is the source's status; leaving `resolved` starts a new episode.
 */
import type { Status } from '../alert/alert.js';

export const ACTIONS = ['acknowledge', 'resolve', 'suppress', 'unsuppress'] as const;
export type Action = (typeof ACTIONS)[number];

/** The states each operator action may start from. */
export const TRANSITIONS: Record<Action, readonly Status[]> = {
  acknowledge: ['firing', 'pending', 'maintenance'],
  resolve: ['firing', 'pending', 'maintenance', 'acknowledged'],
  suppress: ['firing', 'pending', 'maintenance', 'acknowledged', 'resolved'],
  unsuppress: ['suppressed'],
};

/** The state an action leads to; unsuppress returns to what the source last said (suppressed there → firing). */
export type Transition = { ok: true; to: Status; muted: boolean } | { ok: false; allowedFrom: readonly Status[] };

/** Applies an operator action to the current state and the source's last status. */
export function applyAction(action: Action, current: Status, sourceStatus: Status): Transition {
  const allowedFrom = TRANSITIONS[action];
  if (!allowedFrom.includes(current)) return { ok: false, allowedFrom };
  switch (action) {
    case 'acknowledge':
      return { ok: true, to: 'acknowledged', muted: false };
    case 'resolve':
      return { ok: true, to: 'resolved', muted: false };
    case 'suppress':
      return { ok: true, to: 'suppressed', muted: true };
    case 'unsuppress':
      return { ok: true, to: sourceStatus === 'suppressed' ? 'firing' : sourceStatus, muted: false };
  }
}
