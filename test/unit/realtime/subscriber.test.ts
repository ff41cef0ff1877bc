import { describe, expect, it } from 'vitest';
import type { RealtimeEventLog, ResumeCheck } from '../../../src/realtime/event-log.js';
import type { StampedEvent } from '../../../src/realtime/events.js';
import { Subscriber } from '../../../src/realtime/subscriber.js';
import type { DropReason, Notice, Transport } from '../../../src/realtime/transport.js';
import { parseSearchInput } from '../../../src/search/search-input.js';
import { makeAlert } from '../../support/publish.js';

/** A transport that records what it was given and reports a settable backlog. */
class FakeTransport implements Transport {
  readonly name = 'sse';
  sent: string[] = [];
  notices: Notice[] = [];
  backlog = 0;
  closedWith: DropReason | 'none' | undefined;
  private listeners: (() => void)[] = [];
  buffered = () => this.backlog;
  send(events: readonly StampedEvent[]) {
    this.sent.push(...events.map((event) => event.id));
  }
  notice(notice: Notice) {
    this.notices.push(notice);
  }
  writable = async () => {};
  heartbeat = () => true;
  close(reason?: DropReason) {
    this.closedWith = reason ?? 'none';
    for (const listener of this.listeners) listener();
  }
  onClose(listener: () => void) {
    this.listeners.push(listener);
  }
}

const stamped = (id: string, tenant = 'acme'): StampedEvent => ({
  id,
  event: { type: 'alert', change: 'new', alert: makeAlert(tenant, { description: 'x'.repeat(100) }) },
});

function fakeLog(entries: StampedEvent[], check: ResumeCheck = 'ok'): RealtimeEventLog {
  return {
    check: async () => check,
    after: async (afterId: string, count: number) => {
      const [ms] = afterId.split('-');
      return entries.filter((entry) => Number(entry.id.split('-')[0]) > Number(ms)).slice(0, count);
    },
  } as unknown as RealtimeEventLog;
}

function subscriber(transport: FakeTransport, bufferBytes = 10_000) {
  const drops: DropReason[] = [];
  const sub = new Subscriber(parseSearchInput('acme', {}).filters, transport, bufferBytes, (_s, reason) =>
    drops.push(reason),
  );
  return { sub, drops };
}

describe('stream subscriber', () => {
  it('replays after Last-Event-ID, then delivers queued live events it has not sent yet', async () => {
    const transport = new FakeTransport();
    const { sub } = subscriber(transport);
    const log = fakeLog([stamped('1-0'), stamped('2-0'), stamped('3-0')]);
    sub.offer([stamped('3-0'), stamped('4-0')]); // arrived live while the replay runs
    await sub.start(log, '1-0');
    sub.offer([stamped('5-0'), stamped('6-0', 'other')]);
    expect(transport.sent).toEqual(['2-0', '3-0', '4-0', '5-0']);
  });

  it('reports a gap when the window no longer reaches back to the id', async () => {
    const transport = new FakeTransport();
    const { sub } = subscriber(transport);
    await sub.start(fakeLog([stamped('9-0')], 'trimmed'), '1-0');
    expect(transport.notices).toEqual([{ type: 'gap', reason: 'replay_window_exceeded', lastEventId: '1-0' }]);
    expect(transport.sent).toEqual(['9-0']);
  });

  it('drops a client whose earlier bytes are still unsent when more arrive, once', async () => {
    const transport = new FakeTransport();
    const { sub, drops } = subscriber(transport, 1000);
    await sub.start(fakeLog([]), null);
    sub.offer([stamped('1-0')]);
    transport.backlog = 5000; // the client stopped reading
    sub.offer([stamped('2-0')]);
    sub.offer([stamped('3-0')]);
    expect(transport.sent).toEqual(['1-0']);
    expect(drops).toEqual(['slow_consumer']);
    expect(transport.closedWith).toBe('slow_consumer');
  });

  it('drops a client whose events pile up during a long replay', () => {
    const transport = new FakeTransport();
    const { sub, drops } = subscriber(transport, 1000);
    for (let i = 0; i < 10; i++) sub.offer([stamped(`${i}-0`)]); // not started: still replaying
    expect(drops).toEqual(['slow_consumer']);
  });
});
