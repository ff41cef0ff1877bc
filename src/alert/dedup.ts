import bloomFilters from 'bloom-filters';
import { LRUCache } from 'lru-cache';
import xxhash from 'xxhash-wasm';
import { type AlertKey, alertKey } from './alert-key.js';

const { BloomFilter } = bloomFilters;
// A bloom false positive only costs an exact lookup, so a fast non-cryptographic hash is enough.
const { h64 } = await xxhash();

type FingerprintRef = { tenant: string; fingerprint: string };

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
export type LastHashLookup = (keys: FingerprintRef[]) => Promise<Map<AlertKey, string>>;

export interface DedupOptions {
  bloomCapacity: number;
  bloomErrorRate: number;
  cacheSize: number;
}

/**
 * Last committed hash of one (tenant, fingerprint). Maps are keyed by the fingerprint alone and
 * chain one entry per tenant sharing it: a tenant + fingerprint key would be a new string per
 * lookup, flattened and hashed every time, while the fingerprint string carries its hash.
 */
interface TenantHash {
  tenant: string;
  hash: string;
  next: TenantHash | undefined;
}

function hashOf(entry: TenantHash | undefined, tenant: string): string | undefined {
  for (let current = entry; current !== undefined; current = current.next) {
    if (current.tenant === tenant) return current.hash;
  }
  return undefined;
}

/** The chain with `tenant`'s hash set: updated in place, or a new head when the tenant is not in it. */
function withHash(entry: TenantHash | undefined, tenant: string, hash: string): TenantHash {
  for (let current = entry; current !== undefined; current = current.next) {
    if (current.tenant === tenant) {
      current.hash = hash;
      return entry as TenantHash;
    }
  }
  return { tenant, hash, next: entry };
}

/**
 * Dedup state of one shard: a bloom filter of (tenant, fingerprint, hash)
 * answers "definitely not seen" without I/O; an LRU of fingerprint → last hash per tenant answers
 * most of the rest; only the remainder is looked up exactly. Exact because one worker owns a shard
 * at a time.
 */
export class DedupState {
  private bloom: ShardBloom;
  private readonly lastHash: LRUCache<string, TenantHash>;
  /** Until the LRU first evicts, it holds every stored fingerprint: a miss is then certain, no bloom needed. */
  private cacheHoldsAll = true;

  constructor(private readonly options: DedupOptions) {
    this.bloom = new ShardBloom(options);
    this.lastHash = new LRUCache({ max: Math.max(1, options.cacheSize) });
  }

  /**
   * Decides each candidate in order. Candidates of one fingerprint within the batch see each
   * other (A, A → new, duplicate), unlike Keep which compares a request only with the database.
   * Settles without waiting for a turn of the event loop when no candidate needs the exact store.
   */
  decide(candidates: readonly DedupCandidate[], lookup: LastHashLookup): Promise<DedupDecision[]> {
    const cached: (string | undefined)[] = [];
    let unknown: Map<AlertKey, FingerprintRef> | undefined;
    for (const { tenant, fingerprint, contentHash } of candidates) {
      const last = hashOf(this.lastHash.get(fingerprint), tenant);
      cached.push(last);
      if (
        last === undefined &&
        !this.cacheHoldsAll &&
        this.bloom.mayContain(bloomKey(tenant, fingerprint, contentHash))
      ) {
        unknown ??= new Map();
        unknown.set(alertKey(tenant, fingerprint), { tenant, fingerprint });
      }
    }
    if (unknown === undefined) return Promise.resolve(settle(candidates, cached));
    return lookup([...unknown.values()]).then((stored) => settle(candidates, cached, stored));
  }

  /** Records committed hashes so later batches see them. */
  remember(tenant: string, fingerprint: string, hash: string): void {
    const entry = this.lastHash.peek(fingerprint);
    if (entry === undefined && this.lastHash.size === this.lastHash.max) this.cacheHoldsAll = false;
    this.lastHash.set(fingerprint, withHash(entry, tenant, hash));
    this.bloom.add(bloomKey(tenant, fingerprint, hash));
  }

  /** Starts over from the exact store's content (bloom filters cannot delete). */
  rebuild(entries: Iterable<{ tenant: string; fingerprint: string; contentHash: string }>): void {
    this.bloom = new ShardBloom(this.options);
    this.lastHash.clear();
    this.cacheHoldsAll = true;
    for (const entry of entries) this.remember(entry.tenant, entry.fingerprint, entry.contentHash);
  }

  stats() {
    return {
      bloomItems: this.bloom.items,
      bloomFillRatio: this.bloom.items / this.options.bloomCapacity,
      bloomFalsePositiveRate: this.bloom.estimatedFalsePositiveRate(),
      bloomMemoryBytes: this.bloom.memoryBytes(),
      cacheEntries: this.lastHash.size,
    };
  }
}

/** Decisions from each candidate's cached last hash, the exact store's answers and the batch's own earlier candidates. */
function settle(
  candidates: readonly DedupCandidate[],
  cached: readonly (string | undefined)[],
  stored?: Map<AlertKey, string>,
): DedupDecision[] {
  const batchLast = new Map<string, TenantHash>();
  const decisions: DedupDecision[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const { tenant, fingerprint, contentHash, fullDeduplication } = candidates[i] as DedupCandidate;
    const inBatch = batchLast.get(fingerprint);
    const previous = hashOf(inBatch, tenant) ?? cached[i] ?? stored?.get(alertKey(tenant, fingerprint));
    const updated = withHash(inBatch, tenant, contentHash);
    if (updated !== inBatch) batchLast.set(fingerprint, updated);
    if (previous === undefined) decisions.push('unseen');
    else decisions.push(previous === contentHash && fullDeduplication ? 'duplicate' : 'changed');
  }
  return decisions;
}

/** Identity of (tenant, fingerprint, content) in the bloom filter. */
function bloomKey(tenant: string, fingerprint: string, contentHash: string): string {
  return `${tenant}\u0000${fingerprint}\u0000${contentHash}`;
}

/**
 * The library's BloomFilter sizes the filter and holds its bits; the bit positions are computed
 * here from one 64-bit xxHash of the key (the library's enhanced double hashing) into a reused
 * array and set through its BitSet (its own add/has would hash each key twice with a pure-JS
 * 64-bit xxHash, several times slower, and allocate an object and an array of positions per call).
 */
class ShardBloom {
  private readonly filter: InstanceType<typeof BloomFilter>;
  private readonly positions: Uint32Array;
  items = 0;

  constructor(options: DedupOptions) {
    this.filter = BloomFilter.create(options.bloomCapacity, options.bloomErrorRate);
    this.positions = new Uint32Array(this.filter._nbHashes);
  }

  add(key: string): void {
    this.locate(key);
    for (const position of this.positions) this.filter._filter.add(position);
    this.items++;
  }

  mayContain(key: string): boolean {
    this.locate(key);
    for (const position of this.positions) if (!this.filter._filter.has(position)) return false;
    return true;
  }

  /**
   * (1 − e^(−k·n/m))^k from the item count: the library's own rate() scans every bit (~30 ms for a
   * million-item filter), far too slow to run after each batch.
   */
  estimatedFalsePositiveRate(): number {
    const { _size: bits, _nbHashes: hashes } = this.filter;
    return (1 - Math.exp((-hashes * this.items) / bits)) ** hashes;
  }

  memoryBytes(): number {
    return Math.ceil(this.filter._size / 8);
  }

  /** position i = h1 + i·h2 + (i³ − i)/6 mod size, computed incrementally. */
  private locate(key: string): void {
    const size = this.filter._size;
    const hash = h64(key);
    let position = Number(BigInt.asUintN(32, hash)) % size;
    let step = Number(hash >> 32n) % size;
    for (let i = 0; i < this.positions.length; i++) {
      this.positions[i] = position;
      position = (position + step) % size;
      step = (step + i + 1) % size;
    }
  }
}
