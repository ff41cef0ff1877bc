import { Type } from 'typebox';
import type { Config } from '../config.js';
import { loadConfigFile } from '../config-file.js';

const Bucket = Type.Object(
  {
    capacity: Type.Integer({ minimum: 1, description: 'Burst size in requests.' }),
    refillPerSecond: Type.Number({ exclusiveMinimum: 0, description: 'Requests per second sustained.' }),
  },
  { additionalProperties: false },
);
export type Bucket = { capacity: number; refillPerSecond: number };

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

/** Picks the bucket for (tenant, provider): tenant+provider, tenant default, provider, global default. */
export class RateLimits {
  private constructor(
    private readonly fallback: Bucket,
    private readonly file: ReturnType<typeof loadConfigFile<typeof RateLimitsFileSchema>>,
  ) {}

  static fromConfig(config: Pick<Config, 'RATE_LIMIT_CAPACITY' | 'RATE_LIMIT_REFILL_PER_SECOND' | 'RATE_LIMITS_FILE'>) {
    const file = config.RATE_LIMITS_FILE ? loadConfigFile(config.RATE_LIMITS_FILE, RateLimitsFileSchema) : {};
    const fallback = file.default ?? {
      capacity: config.RATE_LIMIT_CAPACITY,
      refillPerSecond: config.RATE_LIMIT_REFILL_PER_SECOND,
    };
    return new RateLimits(fallback, file);
  }

  bucketFor(tenant: string, provider: string): Bucket {
    const tenantLimits = this.file.tenants?.[tenant];
    return (
      tenantLimits?.providers?.[provider] ?? tenantLimits?.default ?? this.file.providers?.[provider] ?? this.fallback
    );
  }
}
