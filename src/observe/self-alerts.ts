import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Alert, Severity, Status } from '../alert/alert.js';
import { clampFingerprint } from '../alert/fingerprint.js';
import { alertId } from '../alert/identity.js';
import * as metrics from '../metrics.js';
import type { IngestLog } from '../pipeline/ingest-log.js';
import type { RedisClient } from '../redis.js';
import { ClusterStats } from './cluster-stats.js';
import { LeaderLock } from './leader-lock.js';
import type { QueueSample } from './queue-sample.js';
import { evaluateRules, type Finding } from './self-alert-conditions.js';
import { DEFAULT_SEVERITY, type SelfAlertRule } from './self-alert-rules.js';

/** Provider type of the alerts Alertgate raises about itself. */
export const SELF_ALERT_PROVIDER = 'alertgate';

/** What is kept in Redis about a firing self-alert, enough to resolve it even if its rule is gone. */
interface FiringEntry {
  rule: string;
  kind: string;
  subject: string | null;
  severity: Severity;
  description: string;
  since: string;
}

export interface SelfAlertsOptions {
  prefix: string;
  tenant: string;
  intervalMs: number;
  /** Processes' stats sharing interval (STATS_SHARE_INTERVAL_MS). */
  shareIntervalMs: number;
  rules: readonly SelfAlertRule[];
}

export interface SelfAlertsDeps {
  redis: RedisClient;
  ingestLog: IngestLog;
  /** The gateway's queue sample (background sampler). */
  latestSample: () => QueueSample | undefined;
  log: Logger;
}

function fingerprintOf(rule: string, subject: string | null): string {
  return clampFingerprint(subject === null ? `alertgate:${rule}` : `alertgate:${rule}:${subject}`);
}

function describe(rule: SelfAlertRule): string {
  if (rule.description) return rule.description;
  switch (rule.kind) {
    case 'queue_backlog':
      return `More than ${rule.maxJobs} ${rule.queue ?? 'ingest'} jobs are waiting.`;
    case 'queue_age':
      return `A ${rule.queue ?? 'ingest'} job has waited longer than ${rule.maxAgeSeconds} s.`;
    case 'no_worker':
      return 'No batch worker is alive: accepted alerts are not being stored.';
    case 'provider_rate':
      return 'A provider sends more alerts than expected.';
    case 'dedup_ratio':
      return "A provider's duplicate ratio moved away from its recent norm.";
  }
}

/**
 * Evaluates the self-alert rules every interval in the one process holding the leader lease and
 * turns transitions into alerts of provider `alertgate`, enqueued like any webhook's alerts: a
 * firing alert when a condition starts (after its `forSeconds`), a resolved one when it clears.
 * Firing alerts are kept in Redis, so a new leader resolves what the previous one fired.
 */
export class SelfAlerts {
  private readonly stats: ClusterStats;
  private readonly lock: LeaderLock;
  private readonly pendingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private lastError: unknown;

  constructor(
    private readonly deps: SelfAlertsDeps,
    private readonly options: SelfAlertsOptions,
  ) {
    const longestMs = Math.max(
      0,
      ...options.rules.map((rule) => {
        if (rule.kind === 'dedup_ratio') return ((rule.windowSeconds ?? 300) + (rule.baselineSeconds ?? 3600)) * 1000;
        if (rule.kind === 'provider_rate') return (rule.windowSeconds ?? 60) * 1000;
        return 0;
      }),
    );
    this.stats = new ClusterStats(deps.redis, {
      prefix: options.prefix,
      shareIntervalMs: options.shareIntervalMs,
      retentionMs: longestMs + 2 * options.intervalMs,
    });
    this.lock = new LeaderLock(deps.redis, `${options.prefix}:self-alerts:leader`, 3 * options.intervalMs);
  }

  private get firingKey(): string {
    return `${this.options.prefix}:self-alerts:firing`;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops evaluating and hands the lease on. Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.lock.release().catch(() => {});
  }

  health(): { leader: boolean; error: unknown } {
    return { leader: this.lock.isHeld, error: this.lastError };
  }

  /** One evaluation; returns the alerts enqueued (none when another process leads). Never throws. */
  async tick(now = Date.now()): Promise<Alert[]> {
    try {
      const wasLeader = this.lock.isHeld;
      if (!(await this.lock.hold())) {
        this.pendingSince.clear();
        return [];
      }
      // A new term starts a fresh history: a gap in it would read as a rate drop.
      if (!wasLeader) this.stats.reset();
      await this.stats.sample(now);
      const alerts = await this.transition(now);
      this.lastError = undefined;
      return alerts;
    } catch (error) {
      this.lastError = error;
      this.deps.log.warn({ err: error }, 'self-alert evaluation failed');
      return [];
    }
  }

  private async transition(now: number): Promise<Alert[]> {
    const verdicts = evaluateRules(this.options.rules, this.deps.latestSample(), this.stats);
    const judged = new Set(verdicts.filter((verdict) => verdict.evaluated).map((verdict) => verdict.rule.name));
    const configured = new Set(this.options.rules.map((rule) => rule.name));
    const holding = new Map<string, Finding>();
    for (const verdict of verdicts)
      for (const finding of verdict.firing) holding.set(fingerprintOf(finding.rule.name, finding.subject), finding);

    const stored = await this.deps.redis.hgetall(this.firingKey);
    const firing = new Map(Object.entries(stored).map(([key, text]) => [key, JSON.parse(text) as FiringEntry]));
    for (const key of [...this.pendingSince.keys()]) if (!holding.has(key)) this.pendingSince.delete(key);

    const started: [string, FiringEntry, Finding][] = [];
    for (const [key, finding] of holding) {
      if (firing.has(key)) continue;
      const since = this.pendingSince.get(key) ?? now;
      this.pendingSince.set(key, since);
      if (now - since < (finding.rule.forSeconds ?? 0) * 1000) continue;
      started.push([key, this.entryOf(finding, now), finding]);
    }
    // A firing alert resolves when its rule was judged and no longer holds, or its rule was removed.
    const cleared = [...firing].filter(
      ([key, entry]) => !holding.has(key) && (judged.has(entry.rule) || !configured.has(entry.rule)),
    );
    if (started.length === 0 && cleared.length === 0) return [];

    const requestId = `self-alert-${randomUUID()}`;
    const received = new Date(now).toISOString();
    const alerts = [
      ...started.map(([, entry, finding], index) =>
        this.alertOf(entry, 'firing', finding.message, { requestId, index, received }, finding),
      ),
      ...cleared.map(([, entry], index) =>
        this.alertOf(entry, 'resolved', `resolved: ${entry.description}`, {
          requestId,
          index: started.length + index,
          received,
        }),
      ),
    ];
    await this.deps.ingestLog.append({
      requestId,
      tenant: this.options.tenant,
      providerType: SELF_ALERT_PROVIDER,
      providerId: null,
      alerts,
    });
    const update = this.deps.redis.multi();
    for (const [key, entry] of started) update.hset(this.firingKey, key, JSON.stringify(entry));
    for (const [key] of cleared) update.hdel(this.firingKey, key);
    await update.exec();
    for (const alert of alerts) metrics.selfAlertTransitions.inc({ rule: alert.name, status: alert.status });
    this.deps.log.warn(
      { fired: started.map(([key]) => key), resolved: cleared.map(([key]) => key) },
      'self-alerts changed state',
    );
    return alerts;
  }

  private entryOf(finding: Finding, now: number): FiringEntry {
    return {
      rule: finding.rule.name,
      kind: finding.rule.kind,
      subject: finding.subject,
      severity: finding.rule.severity ?? DEFAULT_SEVERITY[finding.rule.kind],
      description: describe(finding.rule),
      since: new Date(now).toISOString(),
    };
  }

  private alertOf(
    entry: FiringEntry,
    status: Status,
    message: string,
    request: { requestId: string; index: number; received: string },
    finding?: Finding,
  ): Alert {
    return {
      id: alertId(this.options.tenant, request.requestId, request.index, request.received),
      eventId: null,
      name: entry.rule,
      status,
      severity: entry.severity,
      fingerprint: fingerprintOf(entry.rule, entry.subject),
      lastReceived: request.received,
      description: entry.description,
      message,
      source: [SELF_ALERT_PROVIDER],
      service: 'alertgate',
      environment: null,
      url: null,
      labels: { rule: entry.rule, kind: entry.kind, ...(entry.subject === null ? {} : { provider: entry.subject }) },
      extra: finding
        ? { value: finding.value, threshold: finding.threshold, since: entry.since }
        : { since: entry.since },
      tenant: this.options.tenant,
      providerType: SELF_ALERT_PROVIDER,
      providerId: null,
      receivedAt: request.received,
    };
  }
}
