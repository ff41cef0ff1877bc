import { describe, expect, it } from 'vitest';
import { labelSetFingerprint, toWebhookAlerts, type WebhookAlert } from '../../../src/providers/prometheus-postable.js';

const now = new Date('2026-03-01T12:00:00.000Z');

/** The webhook items of a list that must be accepted. */
function converted(body: unknown): WebhookAlert[] {
  const result = toWebhookAlerts(body, now);
  if (result.kind === 'reject') throw new Error(`refused: ${result.message}`);
  return result.payload;
}

describe('labelSetFingerprint', () => {
  it("equals Alertmanager's fingerprint (prometheus/common's test vectors)", () => {
    expect(labelSetFingerprint({})).toBe('cbf29ce484222325');
    expect(labelSetFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe('507a62d79ee76c9a');
  });

  it('ignores the order labels arrive in and tells names from values', () => {
    expect(labelSetFingerprint({ b: '2', a: '1' })).toBe(labelSetFingerprint({ a: '1', b: '2' }));
    expect(labelSetFingerprint({ a: 'bb', b: 'c' })).not.toBe(labelSetFingerprint({ a: 'b', bb: 'c' }));
  });

  it('is 64-bit FNV-1a over names and values in UTF-8 byte order, each followed by 0xff', () => {
    const reference = (labels: Record<string, string>) => {
      let hash = 0xcbf29ce484222325n;
      const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const name of names) {
        for (const byte of [...Buffer.from(name), 0xff, ...Buffer.from(labels[name] as string), 0xff]) {
          hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
        }
      }
      return hash.toString(16).padStart(16, '0');
    };
    // U+FF21 comes after U+1F600 in UTF-16 units but before it in UTF-8 bytes.
    const cases: Record<string, string>[] = [
      { '\u{1F600}': 'x', '\uFF21': 'é' },
      { alertname: 'DiskFull', instance: 'db-1:9100', job: 'node', severity: 'critical' },
      { zzz: '\u{10FFFF}'.repeat(40), a: '' },
    ];
    for (const labels of cases) expect(labelSetFingerprint(labels)).toBe(reference(labels));
  });
});

describe('toWebhookAlerts', () => {
  const labels = { alertname: 'DiskFull', severity: 'critical' };

  it("turns Prometheus's list into Alertmanager webhook items, firing while endsAt lies ahead", () => {
    const [alert] = converted([
      {
        labels,
        annotations: { summary: 'disk full' },
        startsAt: '2026-03-01T11:00:00Z',
        endsAt: '2026-03-01T12:04:00Z',
        generatorURL: 'http://prometheus/graph',
      },
    ]);
    expect(alert).toEqual({
      status: 'firing',
      labels,
      annotations: { summary: 'disk full' },
      startsAt: '2026-03-01T11:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint: labelSetFingerprint(labels),
    });
  });

  it('makes re-sends identical although Prometheus moves endsAt ahead with each', () => {
    const send = (endsAt: string) => converted([{ labels, startsAt: '2026-03-01T11:00:00Z', endsAt }]);
    expect(send('2026-03-01T12:04:00Z')).toEqual(send('2026-03-01T12:05:00Z'));
  });

  it('resolves an alert whose endsAt is now or past, keeping that endsAt', () => {
    const alerts = converted([
      { labels, endsAt: '2026-03-01T12:00:00.000Z' },
      { labels, endsAt: '2026-03-01T11:59:00Z' },
      { labels, endsAt: '2026-03-01T12:00:01Z' },
      { labels },
    ]);
    expect(alerts.map((alert) => [alert.status, alert.endsAt])).toEqual([
      ['resolved', '2026-03-01T12:00:00.000Z'],
      ['resolved', '2026-03-01T11:59:00Z'],
      ['firing', '0001-01-01T00:00:00Z'],
      ['firing', '0001-01-01T00:00:00Z'],
    ]);
    expect(alerts[3]).toEqual({
      status: 'firing',
      labels,
      annotations: {},
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: labelSetFingerprint(labels),
    });
  });

  it.each([
    ['an object instead of a list', { alerts: [] }, '/'],
    ['no labels', [{ annotations: {} }], '/0'],
    ['empty labels', [{ labels: {} }], '/0/labels'],
    [
      'a label value that is not text',
      [{ labels: { alertname: 'x' } }, { labels: { alertname: 1 } }],
      '/1/labels/alertname',
    ],
    ['an annotation that is not text', [{ labels, annotations: { runbook: ['a'] } }], '/0/annotations/runbook'],
    ['a startsAt that is no time', [{ labels, startsAt: 'yesterday' }], '/0/startsAt'],
    [
      'an endsAt before startsAt',
      [{ labels, startsAt: '2026-03-01T11:00:00Z', endsAt: '2026-03-01T10:00:00Z' }],
      '/0/endsAt',
    ],
  ])('refuses %s (naming %s)', (_label, body, path) => {
    expect(toWebhookAlerts(body, now)).toMatchObject({
      kind: 'reject',
      code: 'invalid_payload',
      path,
      details: { provider: 'prometheus' },
    });
  });
});
