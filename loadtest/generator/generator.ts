/**
 * Deterministic stream of realistic ingestion requests: a provider mix, long-tailed payload sizes,
 * Alertmanager groups, exact re-sends (duplicates), firing/resolved flapping, storms of one
 * fingerprint family, several tenants and keys. The same seed and options give the same stream.
 */
import {
  DEFAULT_MIX,
  type GenSeverity,
  type ProviderTemplate,
  TEMPLATES,
  type TemplateAlert,
} from './providers/index.js';
import { Random } from './random.js';

export interface GeneratorOptions {
  seed: number;
  /** Relative share of requests per provider type. */
  mix: Readonly<Record<string, number>>;
  tenants: number;
  keysPerTenant: number;
  /** Share of alerts that are exact re-sends of an alert's current state (counted as duplicates downstream). */
  duplicateRatio: number;
  /** Share of the non-duplicate requests that flip an existing alert firing ⇄ resolved. */
  flapRatio: number;
  /** Chance per request that a storm starts (when none is running); a storm is one family exploding. */
  stormProbability: number;
  /** Alerts a storm creates, inclusive range. */
  stormSize: readonly [number, number];
  /** Share of requests taken by a running storm. */
  stormShare: number;
  /** Request body bytes: log-normal with this median and 99th percentile, clamped to `max`. */
  size: { median: number; p99: number; max: number };
  /** Share of Alertmanager requests that carry a group, and the group size range. */
  groups: { share: number; size: readonly [number, number] };
  /**
   * Every request carries exactly this many alerts (native groups where the format has them, else a
   * top-level array), and `size` is then per alert. Undefined: the realistic mix above.
   */
  alertsPerRequest?: number;
  /** Alert sources remembered for re-sends and flaps (bounds memory on long runs). */
  poolSize: number;
}

export const DEFAULT_OPTIONS: GeneratorOptions = {
  seed: 1,
  mix: DEFAULT_MIX,
  tenants: 4,
  keysPerTenant: 2,
  duplicateRatio: 0.6,
  flapRatio: 0.2,
  stormProbability: 0.0002,
  stormSize: [100, 1000],
  stormShare: 0.5,
  size: { median: 1024, p99: 16 * 1024, max: 256 * 1024 },
  groups: { share: 0.1, size: [2, 12] },
  poolSize: 20_000,
};

export type RequestKind = 'new' | 'duplicate' | 'flap' | 'storm';

/** One HTTP request to send: `POST {path}` with `body`, as tenant `tenant` using that tenant's key `key`. */
export interface GeneratedRequest {
  seq: number;
  tenant: number;
  key: number;
  provider: string;
  path: string;
  body: string;
  /** Alerts the provider adapter makes of this body. */
  alerts: number;
  kind: RequestKind;
}

/** Where a load takes its requests from: the generator itself, or a cheaper replay of its output. */
export interface RequestStream {
  next(): GeneratedRequest;
}

/** A request template that can be re-sent or flipped: one alert, or one group sent together. */
interface Source {
  tenant: number;
  key: number;
  provider: string;
  alerts: TemplateAlert[];
  asArray: boolean;
  body: string;
}

interface Storm {
  tenant: number;
  provider: string;
  family: string;
  remaining: number;
}

const FAMILIES = [
  'HighCpuUsage', 'MemoryPressure', 'DiskSpaceLow', 'TargetDown', 'HighLatencyP99', 'ErrorRateHigh',
  'PodCrashLooping', 'NodeNotReady', 'CertificateExpiring', 'QueueBacklogGrowing', 'ReplicationLag',
  'ConnectionPoolExhausted', 'HttpProbeFailed', 'OomKilled', 'ThrottlingHigh', 'DeadlockDetected',
  'SlowQueries', 'KafkaConsumerLag', 'CacheHitRatioLow', 'DnsResolutionFailed', 'GcPauseLong', 'InodeExhaustion',
] as const; // biome-ignore format: a word list reads better packed
const SERVICES = ['checkout', 'payments', 'search', 'auth', 'inventory', 'shipping', 'catalog', 'ledger', 'gateway'];
const TEAMS = ['sre', 'payments', 'platform', 'search', 'storefront'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const SEVERITY_WEIGHTS: Readonly<Record<GenSeverity, number>> = { critical: 0.2, warning: 0.5, info: 0.3 };
const WORDS =
  'the value of metric exceeded threshold for five minutes on host check service latency error rate disk memory cpu pod node restart failed connection timeout upstream downstream request queue backlog replica primary shard index query slow retry budget burn window alert rule runbook owner page escalate investigate dashboard trace span log sample'.split(
    ' ',
  );
/** Synthetic clock start: payload timestamps are deterministic, never the wall clock. */
const EPOCH = Date.UTC(2026, 2, 1);
const MIN_TEXT = 24;

/** Produces the request stream; `next()` is cheap enough to call from autocannon's request setup. */
export class AlertGenerator implements RequestStream {
  readonly options: GeneratorOptions;
  private readonly random: Random;
  private readonly pool: Source[] = [];
  private poolCursor = 0;
  private storm: Storm | undefined;
  private clock = EPOCH;
  private identities = 0;
  private seq = 0;
  private readonly tenantWeights: Record<string, number>;

  constructor(options: Partial<GeneratorOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    for (const provider of Object.keys(this.options.mix)) {
      if (!TEMPLATES[provider]) throw new Error(`no payload template for provider "${provider}"`);
    }
    this.random = new Random(this.options.seed);
    // Zipf-like: the first tenant sends the most, as one big customer usually does.
    this.tenantWeights = Object.fromEntries(
      Array.from({ length: this.options.tenants }, (_, tenant) => [String(tenant), 1 / (tenant + 1)]),
    );
  }

  next(): GeneratedRequest {
    this.clock += 50;
    const { random, options } = this;
    // Re-sends are decided first so the duplicate share holds whatever else is going on.
    if (this.pool.length > 0 && random.chance(options.duplicateRatio)) {
      return this.emit(random.pick(this.pool), 'duplicate');
    }
    if (this.storm === undefined && random.chance(options.stormProbability)) this.storm = this.startStorm();
    if (this.storm && random.chance(options.stormShare)) return this.stormRequest(this.storm);
    if (this.pool.length > 0 && random.chance(options.flapRatio)) {
      const source = random.pick(this.pool);
      this.flip(source);
      return this.emit(source, 'flap');
    }
    const tenant = Number(random.weighted(this.tenantWeights));
    const provider = random.weighted(options.mix);
    const source = this.createSource(tenant, provider, random.pick(FAMILIES), this.alertsFor(provider));
    return this.emit(source, 'new');
  }

  private alertsFor(provider: string): number {
    const { alertsPerRequest, groups } = this.options;
    if (alertsPerRequest !== undefined) return alertsPerRequest;
    if (provider === 'prometheus' && this.random.chance(groups.share)) {
      return this.random.int(groups.size[0], groups.size[1]);
    }
    return 1;
  }

  private startStorm(): Storm {
    const { random, options } = this;
    return {
      tenant: Number(random.weighted(this.tenantWeights)),
      provider: random.weighted(options.mix),
      family: random.pick(FAMILIES),
      remaining: random.int(options.stormSize[0], options.stormSize[1]),
    };
  }

  /** A storm fans out new alerts of one family; its alerts join the pool, so re-sends of them follow. */
  private stormRequest(storm: Storm): GeneratedRequest {
    const count = this.alertsFor(storm.provider);
    const source = this.createSource(storm.tenant, storm.provider, storm.family, count);
    storm.remaining -= count;
    if (storm.remaining <= 0) this.storm = undefined;
    return this.emit(source, 'storm');
  }

  private createSource(tenant: number, provider: string, family: string, count: number): Source {
    const { random, options } = this;
    const service = random.pick(SERVICES);
    const region = random.pick(REGIONS);
    const alerts: TemplateAlert[] = Array.from({ length: count }, () => ({
      key: random.hex(16),
      family,
      instance: `${service}-${(this.identities++).toString(36)}.${region}`,
      service,
      team: random.pick(TEAMS),
      env: random.chance(0.8) ? 'production' : 'staging',
      region,
      severity: random.weighted(SEVERITY_WEIGHTS),
      firing: true,
      startedAt: this.clock - random.int(0, 600_000),
      endedAt: 0,
      text: '',
    }));
    const template = TEMPLATES[provider] as ProviderTemplate;
    const source: Source = {
      tenant,
      key: random.int(0, options.keysPerTenant - 1),
      provider,
      alerts,
      asArray: count > 1 && template.group === undefined,
      body: '',
    };
    this.size(source, template);
    this.remember(source);
    return source;
  }

  /** Fills each alert's text so the body reaches a size drawn from the long-tailed distribution. */
  private size(source: Source, template: ProviderTemplate): void {
    const { size, alertsPerRequest } = this.options;
    const draws = alertsPerRequest === undefined ? 1 : source.alerts.length;
    let target = 0;
    for (let i = 0; i < draws; i++) target += Math.min(size.max, this.random.logNormal(size.median, size.p99));
    const base = render(template, source).length;
    const each = Math.max(MIN_TEXT, Math.floor((target - base) / source.alerts.length));
    for (const alert of source.alerts) alert.text = this.text(each);
    source.body = render(template, source);
  }

  /** Firing ⇄ resolved for every alert of the source; a new firing episode starts at the current clock. */
  private flip(source: Source): void {
    for (const alert of source.alerts) {
      if (alert.firing) alert.endedAt = this.clock;
      else alert.startedAt = this.clock;
      alert.firing = !alert.firing;
    }
    source.body = render(TEMPLATES[source.provider] as ProviderTemplate, source);
  }

  private remember(source: Source): void {
    if (this.pool.length < this.options.poolSize) {
      this.pool.push(source);
      return;
    }
    // Oldest out: a long run keeps re-sending recent alerts without growing memory.
    this.pool[this.poolCursor] = source;
    this.poolCursor = (this.poolCursor + 1) % this.options.poolSize;
  }

  private text(length: number): string {
    let out = '';
    while (out.length < length) out += `${this.random.pick(WORDS)} `;
    return out.slice(0, length);
  }

  private emit(source: Source, kind: RequestKind): GeneratedRequest {
    return {
      seq: this.seq++,
      tenant: source.tenant,
      key: source.key,
      provider: source.provider,
      path: `/alerts/event/${source.provider}`,
      body: source.body,
      alerts: source.alerts.length,
      kind,
    };
  }
}

function render(template: ProviderTemplate, source: Source): string {
  const { alerts } = source;
  if (alerts.length === 1 && !source.asArray) return JSON.stringify(template.single(alerts[0] as TemplateAlert));
  if (template.group) return JSON.stringify(template.group(alerts));
  return JSON.stringify(alerts.map((alert) => template.single(alert)));
}
