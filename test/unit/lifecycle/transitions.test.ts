import { describe, expect, it } from 'vitest';
import { STATUSES } from '../../../src/alert/alert.js';
import { ACTIONS, applyAction, TRANSITIONS } from '../../../src/lifecycle/transitions.js';

describe('lifecycle transitions', () => {
  it('moves to the action state from each allowed state', () => {
    expect(applyAction('acknowledge', 'firing', 'firing')).toEqual({ ok: true, to: 'acknowledged', muted: false });
    expect(applyAction('resolve', 'acknowledged', 'firing')).toEqual({ ok: true, to: 'resolved', muted: false });
    expect(applyAction('suppress', 'resolved', 'resolved')).toEqual({ ok: true, to: 'suppressed', muted: true });
  });

  it('unsuppresses to the status the source last sent, or firing when that was suppressed too', () => {
    expect(applyAction('unsuppress', 'suppressed', 'resolved')).toMatchObject({ ok: true, to: 'resolved' });
    expect(applyAction('unsuppress', 'suppressed', 'pending')).toMatchObject({ ok: true, to: 'pending' });
    expect(applyAction('unsuppress', 'suppressed', 'suppressed')).toMatchObject({ ok: true, to: 'firing' });
  });

  it('refuses every other combination, naming the allowed states', () => {
    for (const action of ACTIONS) {
      for (const state of STATUSES) {
        const result = applyAction(action, state, 'firing');
        expect(result.ok).toBe(TRANSITIONS[action].includes(state));
        if (!result.ok) expect(result.allowedFrom).toEqual(TRANSITIONS[action]);
      }
    }
    expect(applyAction('acknowledge', 'acknowledged', 'firing').ok).toBe(false);
    expect(applyAction('resolve', 'resolved', 'resolved').ok).toBe(false);
    expect(applyAction('resolve', 'suppressed', 'firing').ok).toBe(false);
    expect(applyAction('unsuppress', 'firing', 'firing').ok).toBe(false);
  });
});
