import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/metrics.js';

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../dashboards/alertgate.json', import.meta.url), 'utf8')) as {
  uid: string;
  panels: Panel[];
};

/** The family a series name belongs to (histogram series carry a suffix). */
function family(series: string): string {
  return registry.getSingleMetric(series) ? series : series.replace(/_(bucket|sum|count)$/, '');
}

describe('Grafana dashboard', () => {
  it('queries only metric families Alertgate exports', async () => {
    const names = new Set(
      dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => target.expr.match(/alertgate_\w+/g) ?? []),
      ),
    );
    expect(names.size).toBeGreaterThan(40);
    const missing = [...names].filter((name) => !registry.getSingleMetric(family(name)));
    expect(missing).toEqual([]);
  });

  it('charts every family the observability issue names', () => {
    const charted = new Set(
      dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => (target.expr.match(/alertgate_\w+/g) ?? []).map(family)),
      ),
    );
    const named = [
      'alertgate_http_requests_total',
      'alertgate_http_request_duration_seconds',
      'alertgate_ingest_alerts_accepted_total',
      'alertgate_ingest_bytes_accepted_total',
      'alertgate_ingest_requests_rejected_total',
      'alertgate_ingest_queue_depth',
      'alertgate_queue_oldest_waiting_seconds',
      'alertgate_enqueue_to_commit_seconds',
      'alertgate_batch_alerts',
      'alertgate_batch_commit_seconds',
      'alertgate_dedup_alerts_total',
      'alertgate_bloom_fill_ratio',
      'alertgate_bloom_false_positive_rate',
      'alertgate_notifications_succeeded_total',
      'alertgate_notifications_failed_total',
      'alertgate_publish_circuit_state',
      'alertgate_archive_rows_total',
      'alertgate_archive_watermark_seconds',
      'alertgate_process_nodejs_eventloop_lag_p99_seconds',
      'alertgate_process_process_resident_memory_bytes',
      'alertgate_live_workers',
      'alertgate_queue_health_status',
      'alertgate_self_alerts_total',
    ];
    expect(named.filter((name) => !charted.has(name))).toEqual([]);
  });

  it('lays panels out without overlaps on the 24-column grid', () => {
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let column = x; column < x + w; column++)
        for (let row = y; row < y + h; row++) {
          const cell = `${column},${row}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
    }
  });
});
