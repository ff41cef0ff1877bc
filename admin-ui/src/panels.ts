import type { AdminSnapshot, ProviderRow, ShardRow, TargetRow } from '../../src/observe/admin-snapshot-types.js';
import { RollingChart } from './charts.js';
import { byId, element, KeyedTable, setState, setText } from './dom.js';
import * as format from './format.js';

type Worker = AdminSnapshot['workers'][number];

/** What the panels can ask the page to do (buttons). */
export interface PanelActions {
  replayIngest(): void;
  replayTarget(target: string): void;
}

const SECONDS_PER_DAY = 86_400;

function tile(id: string, value: string, sub: string, state: string | null = null): void {
  const root = byId(id);
  setText(root.querySelector('.value') as Element, value);
  setText(root.querySelector('.sub') as Element, sub);
  setState(root, 'state', state);
}

function unit(id: string, text: string): void {
  setText(byId(id).querySelector('.unit') as Element, text);
}

/** Renders snapshots into the page; every update changes text in place. */
export class Panels {
  private readonly providers: KeyedTable<ProviderRow>;
  private readonly targets: KeyedTable<TargetRow>;
  private readonly shards: KeyedTable<ShardRow>;
  private readonly workers: KeyedTable<Worker>;
  private readonly ingestChart: RollingChart;
  private readonly queueChart: RollingChart;

  constructor(actions: PanelActions) {
    this.providers = new KeyedTable(
      byId<HTMLTableSectionElement>('providers'),
      7,
      (row) => row.provider,
      (row) => [
        row.provider,
        format.rate(row.alertsPerSecond),
        format.bytesRate(row.bytesPerSecond),
        { text: format.rate(row.rejectedPerSecond), state: row.rejectedPerSecond > 0 ? 'warn' : null },
        format.count(row.stored),
        format.count(row.duplicates),
        format.percent(row.duplicateRatio),
      ],
    );
    this.targets = new KeyedTable(
      byId<HTMLTableSectionElement>('targets'),
      7,
      (row) => row.name,
      (row) => [
        row.enabled ? row.name : `${row.name} (disabled)`,
        row.type,
        row.healthy
          ? { text: 'healthy', state: 'ok' }
          : { text: `unhealthy (${row.consecutiveFailures} failures)`, state: 'bad' },
        {
          text: row.circuit ?? '—',
          state: row.circuit === 'open' ? 'bad' : row.circuit === 'half_open' ? 'warn' : null,
        },
        format.rate(row.deliveredPerSecond),
        { text: format.rate(row.failedPerSecond), state: row.failedPerSecond > 0 ? 'warn' : null },
        { text: format.count(row.deadLetters), state: row.deadLetters > 0 ? 'warn' : null },
      ],
      (row, item) => {
        const button = element('button', { type: 'button', 'data-replay': `target:${item.name}` }, 'Replay');
        button.addEventListener('click', () => actions.replayTarget(item.name));
        row.appendChild(element('td')).appendChild(button);
      },
    );
    this.shards = new KeyedTable(
      byId<HTMLTableSectionElement>('shards'),
      8,
      (row) => String(row.shard),
      (row) => [
        String(row.shard),
        format.count(row.waiting),
        format.count(row.byPriority.critical ?? 0),
        format.count(row.byPriority.high ?? 0),
        format.count(row.active),
        { text: format.seconds(row.oldestWaitingSeconds), state: row.oldestWaitingSeconds > 60 ? 'warn' : null },
        row.completedPerSecond === null ? '—' : format.rate(row.completedPerSecond),
        { text: row.owner ?? 'none', state: row.owner ? null : 'bad' },
      ],
    );
    this.workers = new KeyedTable(
      byId<HTMLTableSectionElement>('workers'),
      3,
      (row) => row.id,
      (row) => [
        `${row.host ?? '?'}:${row.pid ?? '?'}`,
        row.shards.length > 8 ? `${row.shards.length} shards` : row.shards.join(', ') || '—',
        format.seconds(row.lastSeenSecondsAgo),
      ],
    );
    byId('replay-ingest').addEventListener('click', () => actions.replayIngest());
    const count = (value: number) => format.count(value);
    this.ingestChart = new RollingChart(byId('chart-ingest'), [
      { label: 'alerts/s', stroke: '#4fa3ff', format: count },
      { label: '429/s', stroke: '#ff6b6b', format: count },
    ]);
    this.queueChart = new RollingChart(byId('chart-queue'), [
      { label: 'depth', stroke: '#f5b942', format: count },
      { label: 'lag p99', stroke: '#b48cff', right: true, format: (value) => format.seconds(value) },
    ]);
  }

  render(snapshot: AdminSnapshot): void {
    this.header(snapshot);
    this.windows(snapshot.windows);
    this.tiles(snapshot);
    this.ingestChart.push(snapshot.at, [snapshot.ingest.alertsPerSecond, snapshot.ingest.rejectedPerSecond]);
    this.queueChart.push(snapshot.at, [snapshot.queues?.depth ?? 0, snapshot.queues?.lagP99Seconds ?? 0]);
    this.providers.update(snapshot.providers);
    byId('providers-empty').hidden = snapshot.providers.length > 0;
    this.shards.update(snapshot.queues?.shards ?? []);
    this.workers.update(snapshot.workers);
    const publish = snapshot.queues?.publish;
    setText(
      byId('publish-queue'),
      publish
        ? `Publish queue: ${format.count(publish.waiting)} waiting, ${format.count(publish.active)} active, ${format.count(publish.delayed)} delayed (retries)`
        : '',
    );
    this.targetsPanel(snapshot);
    this.deadLetters(snapshot);
    this.archive(snapshot);
    setText(
      byId('processes'),
      `Figures from ${snapshot.processes.length} process(es): ${snapshot.processes.map((p) => `${p.role}@${p.host}:${p.pid}`).join(', ')}`,
    );
  }

  private header(snapshot: AdminSnapshot): void {
    const health = byId('health');
    setText(health, snapshot.health.status);
    setState(health, 'state', snapshot.health.status);
    setText(byId('health-reasons'), snapshot.health.reasons.map((reason) => reason.message).join(' · '));
  }

  /**
   * Rates are trailing averages: the tiles and the ingest chart over a short window (a step in
   * load shows in full after that long), the provider table over a longer one. Say which.
   */
  private windows({ liveSeconds, tableSeconds }: AdminSnapshot['windows']): void {
    for (const label of document.querySelectorAll('[data-window="live"]'))
      setText(label, `avg. of last ${liveSeconds} s`);
    setText(
      byId('providers-window'),
      `rates per second averaged over the last ${tableSeconds} s (the tiles: last ${liveSeconds} s); counts over the last ${tableSeconds} s`,
    );
  }

  private tiles(snapshot: AdminSnapshot): void {
    const { ingest, queues } = snapshot;
    tile('tile-ingest', format.rate(ingest.alertsPerSecond), `${format.rate(ingest.requestsPerSecond)} requests/s`);
    const [volume, volumeUnit] = format.bytesRate(ingest.bytesPerSecond).split(' ');
    tile('tile-bytes', volume ?? '0', `≈ ${((ingest.bytesPerSecond * SECONDS_PER_DAY) / 1e9).toFixed(1)} GB/day`);
    unit('tile-bytes', volumeUnit ?? '');
    const reasons = Object.entries(ingest.rejectedByReason)
      .filter(([, value]) => value > 0)
      .map(([reason, value]) => `${reason} ${format.rate(value)}`);
    tile(
      'tile-rejected',
      format.rate(ingest.rejectedPerSecond),
      reasons.join(' · ') || 'none',
      ingest.rejectedPerSecond > 0 ? 'warn' : null,
    );
    const depthState = snapshot.health.reasons.find((reason) => reason.check === 'ingest_depth')?.status ?? null;
    tile(
      'tile-depth',
      queues ? format.count(queues.depth) : '—',
      queues ? `publish ${format.count(queues.publish.waiting)} waiting` : 'no sample',
      depthState === 'unhealthy' ? 'bad' : depthState ? 'warn' : null,
    );
    const [age, ageUnit] = format.seconds(queues?.oldestWaitingSeconds ?? null).split(' ');
    const ageState = snapshot.health.reasons.find((reason) => reason.check === 'ingest_age')?.status ?? null;
    tile(
      'tile-age',
      age ?? '—',
      queues?.committedJobsPerSecond == null
        ? 'commits —'
        : `commits ${format.rate(queues.committedJobsPerSecond)} jobs/s`,
      ageState === 'unhealthy' ? 'bad' : ageState ? 'warn' : null,
    );
    unit('tile-age', ageUnit ?? '');
    const [lag, lagUnit] = format.seconds(queues?.lagP99Seconds ?? null).split(' ');
    tile('tile-lag', lag ?? '—', `p50 ${format.seconds(queues?.lagP50Seconds ?? null)}`);
    unit('tile-lag', lagUnit ?? '');
    const unowned = queues?.shards.filter((shard) => shard.owner === null).length ?? 0;
    tile(
      'tile-workers',
      String(snapshot.workers.length),
      unowned > 0 ? `${unowned} shards without owner` : 'every shard owned',
      snapshot.workers.length === 0 ? 'bad' : unowned > 0 ? 'warn' : null,
    );
    const ingestDead = snapshot.deadLetters.ingest?.size ?? 0;
    const publishDead = snapshot.deadLetters.publish;
    tile(
      'tile-dead',
      format.count(ingestDead),
      publishDead.ok ? `publish ${format.count(publishDead.value)}` : 'publish —',
      ingestDead > 0 ? 'warn' : null,
    );
  }

  private targetsPanel(snapshot: AdminSnapshot): void {
    const note = byId('targets-note');
    if (!snapshot.targets.ok) {
      this.targets.update([]);
      setText(note, `Unavailable: ${snapshot.targets.error}`);
      return;
    }
    this.targets.update(snapshot.targets.value);
    setText(note, snapshot.targets.value.length === 0 ? 'No targets configured.' : '');
  }

  private deadLetters(snapshot: AdminSnapshot): void {
    const ingest = snapshot.deadLetters.ingest;
    setText(byId('dlq-ingest-size'), ingest ? format.count(ingest.size) : '—');
    setText(byId('dlq-ingest-age'), ingest && ingest.size > 0 ? `oldest ${format.seconds(ingest.oldestSeconds)}` : '');
    (byId('replay-ingest') as HTMLButtonElement).disabled = !ingest || ingest.size === 0;
    const publish = snapshot.deadLetters.publish;
    setText(byId('dlq-publish-size'), publish.ok ? format.count(publish.value) : `unavailable: ${publish.error}`);
  }

  private archive(snapshot: AdminSnapshot): void {
    const section = snapshot.archive;
    setText(byId('archive-note'), section.ok ? '' : `Unavailable: ${section.error}`);
    if (!section.ok) return;
    const archive = section.value;
    setText(byId('archive-watermark'), archive.watermark ? archive.watermark.slice(0, 10) : 'nothing archived');
    const due = byId('archive-due');
    setText(due, String(archive.daysDue));
    setState(due, 'state', archive.daysDue > 1 ? 'warn' : null);
    const last = archive.lastRun;
    const lastCell = byId('archive-last');
    setText(lastCell, last ? `${last.day} ${last.status} · ${format.time(last.startedAt)}` : 'never');
    setState(lastCell, 'state', last?.status === 'failed' ? 'bad' : null);
    const failure = archive.lastFailure;
    setText(byId('archive-failure'), failure ? `${failure.day}: ${failure.error ?? 'failed'}` : 'none');
  }
}
