import { Type } from 'typebox';
import { ConfigFileError, loadConfigFile } from '../config-file.js';

const Bucket = Type.Object(
  {
    capacity: Type.Integer({ minimum: 1, description: 'Burst size in requests.' }),
    refillPerSecond: Type.Number({ exclusiveMinimum: 0, description: 'Requests per second sustained.' }),
  },
  { additionalProperties: false },
);
export type Bucket = { capacity: number; refillPerSecond: number };

/** The rate limits (the `ingest.rateLimits` config section). */
export interface RateLimitOptions {
  /** The bucket of every (tenant, provider) the file does not name. */
  default: Bucket;
  /** RATE_LIMITS_FILE, whose `default` replaces the one above. */
  file?: string;
}

/** RATE_LIMITS_FILE: per-provider buckets, and per-tenant overrides of the default and of providers. */
export const RateLimitsFileSchema = Type.Object(
  {
    default: Type.Optional(Bucket),
    providers: Type.Optional(Type.Record(Type.String(), Bucket)),
    tenants: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { default: Type.Optional(Bucket), providers: Type.Optional(Type.Record(Type.String(), Bucket)) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

type RateLimitsFile = ReturnType<typeof loadConfigFile<typeof RateLimitsFileSchema>>;

/** A provider name or alias to its adapter type; undefined for an unknown name. */
export type ProviderTypeOf = (name: string) => string | undefined;

/**
 * Picks the bucket for (tenant, provider type): tenant+provider, tenant default, provider, global
 * default. Provider names in the file may be aliases; they are resolved to their type, so an alias
 * shares its type's bucket and limits.
 */
export class RateLimits {
  private constructor(
    private readonly fallback: Bucket,
    private readonly file: RateLimitsFile,
  ) {}

  /** Reads the file, if any; throws ConfigFileError naming every problem in it. */
  static load(options: RateLimitOptions, providerTypeOf: ProviderTypeOf) {
    const path = options.file;
    const file = path ? resolveProviderNames(path, loadConfigFile(path, RateLimitsFileSchema), providerTypeOf) : {};
    return new RateLimits(file.default ?? options.default, file);
  }

  /** `provider` is an adapter type, never an alias. */
  bucketFor(tenant: string, provider: string): Bucket {
    const tenantLimits = this.file.tenants?.[tenant];
    return (
      tenantLimits?.providers?.[provider] ?? tenantLimits?.default ?? this.file.providers?.[provider] ?? this.fallback
    );
  }
}

/** The file with every provider name replaced by its type; unknown names and duplicates are refused. */
function resolveProviderNames(path: string, file: RateLimitsFile, providerTypeOf: ProviderTypeOf): RateLimitsFile {
  const problems: string[] = [];
  const resolve = (where: string, buckets: Record<string, Bucket> | undefined) => {
    if (!buckets) return undefined;
    const byType: Record<string, Bucket> = {};
    for (const [name, bucket] of Object.entries(buckets)) {
      const type = providerTypeOf(name);
      if (type === undefined) problems.push(`${where}/${name}: unknown provider "${name}"`);
      else if (Object.hasOwn(byType, type)) problems.push(`${where}/${name}: provider "${type}" has two buckets`);
      else byType[type] = bucket;
    }
    return byType;
  };
  const resolved: RateLimitsFile = { ...file, providers: resolve('/providers', file.providers) };
  if (file.tenants) {
    resolved.tenants = Object.fromEntries(
      Object.entries(file.tenants).map(([tenant, limits]) => [
        tenant,
        { ...limits, providers: resolve(`/tenants/${tenant}/providers`, limits.providers) },
      ]),
    );
  }
  if (problems.length > 0) throw new ConfigFileError(path, problems);
  return resolved;
}
