import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/alert.js';
import { type AlertKey, alertKey } from '../../../src/alert/alert-key.js';
import { contentHash, contentJson, serializeAlerts } from '../../../src/alert/content-hash.js';
import { type DedupCandidate, DedupState } from '../../../src/alert/dedup.js';
import { sha256Hex } from '../../../src/alert/hash.js';
import { alertId, receivedAtOfId, shardOf } from '../../../src/alert/identity.js';

const options = { bloomCapacity: 10_000, bloomErrorRate: 0.01, cacheSize: 100 };
const candidate = (fingerprint: string, hash: string, fullDeduplication = true, tenant = 't'): DedupCandidate => ({
  tenant,
  fingerprint,
  contentHash: hash,
  fullDeduplication,
});
const noStore = async () => new Map<AlertKey, string>();

const alert: Alert = {
  id: 'a1',
  eventId: null,
  name: 'disk',
  status: 'firing',
  severity: 'high',
  fingerprint: 'fp',
  lastReceived: '2026-01-01T00:00:00.000Z',
  description: 'd',
  message: null,
  source: ['keep'],
  service: null,
  environment: null,
  url: null,
  labels: { host: 'a', zone: 'z' },
  extra: { runbook: 'r', counter: 1 },
  tenant: 't',
  providerType: 'keep',
  providerId: null,
  receivedAt: '2026-01-01T00:00:01.000Z',
};

describe('contentHash', () => {
  it('ignores per-delivery fields and key order, but not content', () => {
    const redelivered = {
      ...alert,
      id: 'a2',
      receivedAt: 'later',
      lastReceived: 'later',
      labels: { zone: 'z', host: 'a' },
    };
    expect(contentHash(redelivered)).toBe(contentHash(alert));
    expect(contentHash({ ...alert, description: 'other' })).not.toBe(contentHash(alert));
  });

  it('drops the rule ignore fields, canonical or extra, including dot paths', () => {
    const changed = { ...alert, labels: { ...alert.labels, host: 'b' }, extra: { ...alert.extra, counter: 2 } };
    expect(contentHash(changed)).not.toBe(contentHash(alert));
    expect(contentHash(changed, ['labels.host', 'counter'])).toBe(contentHash(alert, ['labels.host', 'counter']));
  });

  it('keeps the digests already stored in last_alert (SHA-256 of the same sorted-key JSON)', () => {
    expect(contentHash(alert)).toBe('ffe9c59c7a5f58af53e18f1bf7cf70f38155a18b81b10fb1ecfd9266b2609606');
    expect(contentHash(alert, ['labels.host', 'counter'])).toBe(
      '6117fa9d57eca4783ca6274311b192b4336c8162943b10bfb3ac501e95d7ea4c',
    );
  });
});

describe('serializeAlerts', () => {
  it('writes the whole alert once, and its content exactly as the generic sorted serializer does', () => {
    const { id: _id, receivedAt: _receivedAt, lastReceived: _lastReceived, tenant: _tenant, ...content } = alert;
    const nested = { ...alert, extra: { b: [{ y: 1, x: null }], a: { '10': 1, '2': 2 }, skipped: undefined } };
    expect(contentJson(alert)).toBe(stringify(content));
    expect(contentJson(nested)).toContain('"extra":{"a":{"10":1,"2":2},"b":[{"x":null,"y":1}]}');
    const unsorted = { ...alert, extra: JSON.parse('{"z":[{"b":1,"a":2}],"__proto__":{"d":1,"c":2},"m":"s"}') };
    const { id: _i, receivedAt: _r, lastReceived: _l, tenant: _t, ...unsortedContent } = unsorted;
    expect(contentJson(unsorted)).toBe(stringify(unsortedContent));
    expect(contentJson(unsorted)).toContain('"extra":{"__proto__":{"c":2,"d":1},"m":"s","z":[{"a":2,"b":1}]}');
    const [serialized] = serializeAlerts([alert]);
    expect(JSON.parse(serialized?.json ?? '')).toEqual(alert);
    expect(serialized?.contentHash).toBe(contentHash(alert));
  });

  it('escapes what JSON needs escaped and nothing else', () => {
    const text = 'quote " backslash \\ newline \n tab \t bell \u0007 emoji 🚨 lone \ud800 end';
    const odd = { ...alert, description: text, extra: { [text]: [1.5, -0, true, null, undefined, Number.NaN] } };
    const parsed = JSON.parse(contentJson(odd));
    expect(parsed.description).toBe(text);
    expect(parsed.extra).toEqual({ [text]: [1.5, 0, true, null, null, null] });
    expect(contentJson(odd)).toContain(JSON.stringify(text));
  });

  it('writes an object the alerts share the same in each, as if it were not shared', () => {
    const group = { receiver: 'keep', commonLabels: { job: 'node', alertname: 'Down' } };
    const first = { ...alert, extra: { group, n: 1 } };
    const second = { ...alert, fingerprint: 'fp2', extra: { n: 2, group } };
    const shared = serializeAlerts([first, second]);
    const alone = [
      ...serializeAlerts([first]),
      ...serializeAlerts([{ ...second, extra: { n: 2, group: { ...group } } }]),
    ];
    expect(shared).toEqual(alone);
  });

  it('leaves the alert and what it shares untouched when dropping nested ignore fields', () => {
    const group = { receiver: 'keep', labels: { job: 'node' } };
    const first = { ...alert, extra: { group, source: ['a', 'b'] } };
    const second = { ...alert, fingerprint: 'fp2', extra: { group } };
    const [stripped] = serializeAlerts(
      [first, second],
      ['extra.group.receiver', 'extra.group.labels.job', 'extra.source.0'],
    );
    expect(first.extra.group).toEqual({ receiver: 'keep', labels: { job: 'node' } });
    expect(first.extra.source).toEqual(['a', 'b']);
    expect(JSON.parse(stripped?.json ?? '').extra.group.receiver).toBe('keep');
    expect(stripped?.contentHash).toBe(
      contentHash({ ...first, extra: { group: { labels: {} }, source: [null, 'b'] } }),
    );
  });
});

describe('sha256Hex', () => {
  it('digests the UTF-8 bytes of the text as lowercase hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const text = 'Störung – 東京 🚨';
    expect(sha256Hex(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });
});

describe('DedupState', () => {
  it('sees earlier alerts of the same batch: A, A, B, A → unseen, duplicate, changed, changed', async () => {
    const state = new DedupState(options);
    const decisions = await state.decide(
      [candidate('f', 'A'), candidate('f', 'A'), candidate('f', 'B'), candidate('f', 'A')],
      noStore,
    );
    expect(decisions).toEqual(['unseen', 'duplicate', 'changed', 'changed']);
  });

  it('remembers committed hashes across batches and honours full deduplication off', async () => {
    const state = new DedupState(options);
    state.remember('t', 'f', 'A');
    expect(await state.decide([candidate('f', 'A')], noStore)).toEqual(['duplicate']);
    expect(await state.decide([candidate('f', 'A', false)], noStore)).toEqual(['changed']);
  });

  it('asks the exact store only for pairs the bloom filter may have seen', async () => {
    const state = new DedupState({ ...options, cacheSize: 1 });
    state.rebuild([
      { tenant: 't', fingerprint: 'f1', contentHash: 'A' },
      { tenant: 't', fingerprint: 'f2', contentHash: 'B' },
    ]);
    const asked: string[] = [];
    const decisions = await state.decide([candidate('f1', 'A'), candidate('f3', 'C')], async (keys) => {
      asked.push(...keys.map((key) => key.fingerprint));
      return new Map([[alertKey('t', 'f1'), 'A']]);
    });
    // f2 is the one cached entry (LRU of 1); f1 is only in the bloom, f3 nowhere.
    expect(asked).toEqual(['f1']);
    expect(decisions).toEqual(['duplicate', 'unseen']);
  });

  it('keeps a last hash per tenant for a fingerprint several tenants share', async () => {
    const state = new DedupState(options);
    state.remember('t', 'f', 'A');
    state.remember('u', 'f', 'B');
    state.remember('t', 'f', 'C');
    const decisions = await state.decide(
      [
        candidate('f', 'C'),
        candidate('f', 'B', true, 'u'),
        candidate('f', 'A', true, 'v'),
        candidate('f', 'C', true, 'u'),
      ],
      noStore,
    );
    expect(decisions).toEqual(['duplicate', 'duplicate', 'unseen', 'changed']);
  });

  it('finds every remembered pair through the bloom filter and asks about few others', async () => {
    const state = new DedupState({ ...options, cacheSize: 1 });
    const remembered = Array.from({ length: 2000 }, (_, i) => candidate(`f${i}`, `h${i}`));
    for (const { tenant, fingerprint, contentHash } of remembered) state.remember(tenant, fingerprint, contentHash);
    const asked = new Set<string>();
    const lookup = async (keys: { fingerprint: string }[]) => {
      for (const key of keys) asked.add(key.fingerprint);
      return new Map<AlertKey, string>();
    };
    await state.decide(remembered.slice(0, -1), lookup);
    // The cache holds only the last one; the bloom filter must let every other through.
    expect(asked.size).toBe(1999);
    asked.clear();
    await state.decide(
      Array.from({ length: 2000 }, (_, i) => candidate(`other${i}`, `h${i}`)),
      lookup,
    );
    expect(asked.size).toBeLessThan(40); // 1% target at full capacity; 20% full here
  });

  it('skips the bloom filter while the cache has never evicted, and uses it after', async () => {
    // A two-bit filter: after a few items, every probe is a false positive.
    const tinyBloom = { bloomCapacity: 1, bloomErrorRate: 0.5 };
    const probes = Array.from({ length: 50 }, (_, i) => candidate(`new${i}`, 'X'));
    let lookups = 0;
    const countingLookup = async () => {
      lookups++;
      return new Map<AlertKey, string>();
    };
    const complete = new DedupState({ ...tinyBloom, cacheSize: 100 });
    for (let i = 0; i < 20; i++) complete.remember('t', `f${i}`, 'A');
    expect(await complete.decide(probes, countingLookup)).toEqual(probes.map(() => 'unseen'));
    expect(lookups).toBe(0);

    const evicting = new DedupState({ ...tinyBloom, cacheSize: 10 });
    for (let i = 0; i < 20; i++) evicting.remember('t', `f${i}`, 'A');
    expect(await evicting.decide(probes, countingLookup)).toEqual(probes.map(() => 'unseen'));
    expect(lookups).toBe(1);
  });

  it('starts over on rebuild', async () => {
    const state = new DedupState(options);
    state.remember('t', 'f', 'A');
    state.rebuild([]);
    expect(await state.decide([candidate('f', 'A')], noStore)).toEqual(['unseen']);
    expect(state.stats().bloomItems).toBe(0);
  });
});

describe('identity', () => {
  const at = '2026-03-04T05:06:07.089Z';

  it('derives the same UUIDv7-shaped alert id for the same delivery, another for another', () => {
    const id = alertId('t', 'req-1', 0, at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(alertId('t', 'req-1', 0, at)).toBe(id);
    expect(alertId('t', 'req-1', 1, at)).not.toBe(id);
    expect(alertId('u', 'req-1', 0, at)).not.toBe(id);
    // The time is not part of the identity: only its 48 bits change, the digest bits stay.
    expect(alertId('t', 'req-1', 0, '2026-03-04T05:06:07.090Z').slice(14)).toBe(id.slice(14));
  });

  it('leads with the receipt time in milliseconds, so ids sort in receipt order', () => {
    const times = Array.from({ length: 200 }, (_, i) => new Date(Date.parse(at) + i * 37).toISOString());
    const ids = times.map((time, i) => alertId('t', `req-${199 - i}`, i % 3, time));
    expect([...ids].sort()).toEqual(ids);
    expect(alertId('t', 'req-1', 0, at).replaceAll('-', '').slice(0, 12)).toBe(
      Date.parse(at).toString(16).padStart(12, '0'),
    );
  });

  it('keeps the ids it has always made (stored ids must not change)', () => {
    expect(alertId('t', 'req-1', 0, at)).toBe('019cb73d-3271-724f-836c-eb5b1c8ae907');
    // 2^40 + 5 ms: zeros inside the time field are kept.
    expect(alertId('t', 'req-1', 0, '2004-11-03T19:53:47.781Z')).toBe('01000000-0005-724f-836c-eb5b1c8ae907');
  });

  it('reads the receipt time back from a time-ordered id, and nothing from other UUIDs', () => {
    expect(receivedAtOfId(alertId('t', 'req-1', 4, at))).toBe(at);
    expect(receivedAtOfId(alertId('t', 'req-1', 4, at).toUpperCase())).toBe(at);
    expect(receivedAtOfId('1b4e28ba-2fa1-41d2-883f-0016d3cca427')).toBeNull();
    expect(receivedAtOfId('not-an-id')).toBeNull();
  });

  it('refuses a receipt time that is not a date', () => {
    expect(() => alertId('t', 'req-1', 0, 'yesterday')).toThrow(RangeError);
  });

  it('spreads fingerprints over every shard, stably', () => {
    const shards = new Set(Array.from({ length: 1000 }, (_, i) => shardOf('t', `fp-${i}`, 16)));
    expect(shards.size).toBe(16);
    expect(shardOf('t', 'fp-1', 16)).toBe(shardOf('t', 'fp-1', 16));
  });

  it('keeps the persisted form of an alert key and the shards hashed from it', () => {
    expect(alertKey('t', 'fp-1')).toBe('t\u0000fp-1');
    // Stored rows carry their shard: another key form or hash would move them all.
    expect([shardOf('t', 'fp-1', 16), shardOf('acme', 'disk-full', 64)]).toEqual([13, 46]);
  });
});
