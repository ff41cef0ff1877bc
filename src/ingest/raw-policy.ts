import { readPath } from '../alert/fingerprint.js';

/** How much of a provider's raw payload is kept in alert_raw. */
export type RawStorage =
  | { mode: 'all' }
  | { mode: 'none' }
  | { mode: 'sample'; rate: number }
  | { mode: 'fields'; fields: string[] };

export function parseRawStorage(text: string): RawStorage {
  if (text === 'all' || text === 'none') return { mode: text };
  if (text.startsWith('sample:')) {
    const rate = Number(text.slice('sample:'.length));
    if (!(rate >= 0 && rate <= 1)) throw new Error(`raw storage "${text}": sample rate must be within 0..1`);
    return { mode: 'sample', rate };
  }
  if (text.startsWith('fields:')) {
    const fields = text.slice('fields:'.length).split(',').filter(Boolean);
    if (fields.length === 0) throw new Error(`raw storage "${text}": name at least one field`);
    return { mode: 'fields', fields };
  }
  throw new Error(`raw storage "${text}": expected all, none, sample:<0..1> or fields:<a,b.c>`);
}

/** Raw storage as configured (the `ingest.rawStorage` config section), each a policy in text form. */
export interface RawStorageOptions {
  /** RAW_STORE: all, none, sample:<0..1> or fields:<a,b.c>. */
  default: string;
  /** RAW_STORE_PROVIDERS: `;`-separated overrides, "datadog=all;prometheus=sample:0.1;grafana=fields:a,b". */
  providers: string;
}

/** The per-provider raw storage policy; the constructor throws on any malformed policy. */
export class RawPolicy {
  private readonly overrides: Map<string, RawStorage>;
  private readonly fallback: RawStorage;

  constructor(
    options: RawStorageOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.fallback = parseRawStorage(options.default);
    this.overrides = new Map(
      options.providers
        .split(';')
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => {
          const [provider, policy] = entry.split('=');
          if (!provider || !policy) throw new Error(`RAW_STORE_PROVIDERS entry "${entry}": expected provider=policy`);
          return [provider, parseRawStorage(policy)] as const;
        }),
    );
  }

  /** The part of `payload` to store, or undefined to store nothing. */
  select(providerType: string, payload: unknown): unknown {
    const policy = this.overrides.get(providerType) ?? this.fallback;
    switch (policy.mode) {
      case 'all':
        return payload;
      case 'none':
        return undefined;
      case 'sample':
        return this.random() < policy.rate ? payload : undefined;
      case 'fields':
        return Object.fromEntries(policy.fields.map((field) => [field, readPath(payload, field) ?? null]));
    }
  }
}
