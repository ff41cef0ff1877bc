import bloomFilters from 'bloom-filters';
import { LRUCache } from 'lru-cache';
import xxhash from 'xxhash-wasm';

const { BloomFilter } = bloomFilters;
// A bloom false positive only costs an exact lookup, so a fast non-cryptographic hash is enough.
const { h64 } = await xxhash();

/** One alert as the dedup stage sees it. */
export interface DedupCandidate {
  tenant: string;
  fingerprint: string;
  contentHash: string;
  /** false when the tenant's rule turns full deduplication off. */
  fullDeduplication: boolean;
}

/**
 * duplicate: same content as the last stored occurrence (dropped, counted);
 * changed: the fingerprint's last hash is known and differs; unseen: no last hash known here, so
 * the alert is new unless last_alert already holds the fingerprint (settled by the upsert).
 */
export type DedupDecision = 'duplicate' | 'changed' | 'unseen';

/** Answers "what is the last stored hash of these fingerprints?" from the exact store. */
export type LastHashLookup = (keys: { tenant: string; fingerprint: string }[]) => Promise<Map<string, string>>;

export interface DedupOptions {
  bloomCapacity: number;
  bloomErrorRate: number;
  cacheSize: number;
}

/**
 * Dedup state of one shard: a bloom filter of (tenant, fingerprint, hash)
 * answers "definitely not seen" without I/O; an LRU of fingerprint → last hash answers most of the
 * rest; only the remainder is looked up exactly. Exact because one worker owns a shard at a time.
 */
export class DedupState {
  private bloom: InstanceType<typeof BloomFilter>;
  private readonly lastHash: LRUCache<string, string>;
  private bloomItems = 0;

  constructor(private readonly options: DedupOptions) {
    this.bloom = createBloom(options);
    this.lastHash = new LRUCache({ max: Math.max(1, options.cacheSize) });
  }

  /**
   * Decides each candidate in order. Candidates of one fingerprint within the batch see each
   * other (A, A → new, duplicate), unlike Keep which compares a request only with the database.
   */
  async decide(candidates: readonly DedupCandidate[], lookup: LastHashLookup): Promise<DedupDecision[]> {
    const keys = candidates.map((candidate) => fingerprintKey(candidate.tenant, candidate.fingerprint));
    const cached = keys.map((key) => this.lastHash.get(key));
    const unknown = new Map<string, { tenant: string; fingerprint: string }>();
    for (const [i, candidate] of candidates.entries()) {
      const key = keys[i] as string;
      if (cached[i] === undefined && this.bloom.has(bloomKey(key, candidate.contentHash))) {
        unknown.set(key, { tenant: candidate.tenant, fingerprint: candidate.fingerprint });
      }
    }
    const stored = unknown.size > 0 ? await lookup([...unknown.values()]) : new Map<string, string>();
    const batchLast = new Map<string, string>();
    return candidates.map((candidate, i) => {
      const key = keys[i] as string;
      const previous = batchLast.get(key) ?? cached[i] ?? stored.get(key);
      batchLast.set(key, candidate.contentHash);
      if (previous === undefined) return 'unseen';
      return previous === candidate.contentHash && candidate.fullDeduplication ? 'duplicate' : 'changed';
    });
  }

  /** Records committed hashes so later batches see them. */
  remember(tenant: string, fingerprint: string, hash: string): void {
    const key = fingerprintKey(tenant, fingerprint);
    this.lastHash.set(key, hash);
    this.bloom.add(bloomKey(key, hash));
    this.bloomItems++;
  }

  /** Starts over from the exact store's content (bloom filters cannot delete). */
  rebuild(entries: Iterable<{ tenant: string; fingerprint: string; contentHash: string }>): void {
    this.bloom = createBloom(this.options);
    this.bloomItems = 0;
    this.lastHash.clear();
    for (const entry of entries) this.remember(entry.tenant, entry.fingerprint, entry.contentHash);
  }

  stats() {
    return {
      bloomItems: this.bloomItems,
      bloomFillRatio: this.bloomItems / this.options.bloomCapacity,
      bloomFalsePositiveRate: estimatedFalsePositiveRate(this.bloom._size, this.bloom._nbHashes, this.bloomItems),
      bloomMemoryBytes: Math.ceil(this.bloom._size / 8),
      cacheEntries: this.lastHash.size,
    };
  }
}

/**
 * (1 − e^(−k·n/m))^k from the item count: the library's own rate() scans every bit (~30 ms for a
 * million-item filter), far too slow to run after each batch.
 */
function estimatedFalsePositiveRate(bits: number, hashes: number, items: number): number {
  return (1 - Math.exp((-hashes * items) / bits)) ** hashes;
}

function fingerprintKey(tenant: string, fingerprint: string): string {
  return `${tenant}\u0000${fingerprint}`;
}

/** Identity of (tenant, fingerprint, content) in the bloom filter. */
function bloomKey(fingerprintKey: string, contentHash: string): string {
  return `${fingerprintKey}\u0000${contentHash}`;
}

/**
 * The bloom's two base hashes are the halves of one 64-bit xxHash: the library's default hashes
 * the key twice with a pure-JS 64-bit xxHash, several times slower.
 */
function createBloom(options: DedupOptions) {
  const bloom = BloomFilter.create(options.bloomCapacity, options.bloomErrorRate);
  const hashing = (
    bloom as unknown as { _hashing: { hashTwice: (value: string) => { first: number; second: number } } }
  )._hashing;
  hashing.hashTwice = (value: string) => {
    const hash = h64(value);
    return { first: Number(hash & 0xffffffffn), second: Number(hash >> 32n) };
  };
  return bloom;
}
