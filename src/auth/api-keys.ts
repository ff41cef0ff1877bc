import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../alert/hash.js';
import type { Db } from '../store/db.js';
import { apiKeys } from '../store/schema.js';
import { signingSecretProblem } from './standard-webhooks.js';

/** Who a request acts as, once its key is verified. */
export interface Principal {
  keyId: string;
  keyName: string;
  tenant: string;
  /** Provider types the key may post to; null means any. */
  providers: readonly string[] | null;
  isAdmin: boolean;
  /** Standard Webhooks secret ingestion requests must be signed with; null when signing is not required. */
  signingSecret: string | null;
}

export interface CreatedKey {
  id: string;
  /** The plaintext key; shown once, never stored. */
  key: string;
}

/** Keys are stored as SHA-256 digests; the plaintext leaves the process only when created. */
export function hashKey(key: string): string {
  return sha256Hex(key);
}

/** 32 random bytes, base64url, with a recognisable prefix for secret scanners. */
export function generateKey(): string {
  return `ag_${randomBytes(32).toString('base64url')}`;
}

/** Longest wait for a key lookup; the PostgreSQL client's reconnect backoff can otherwise hold a request ~20 s. */
const LOOKUP_DEADLINE_MS = 2000;

/** What generateKey makes: any other text cannot be a key, and is refused without a lookup. */
const KEY_SHAPE = /^ag_[A-Za-z0-9_-]{43}$/;
/** How long an unknown key is refused without a lookup: a key created meanwhile elsewhere works after it. */
const MISS_TTL_MS = 1000;

/**
 * Creates, rotates, revokes, lists and verifies API keys. Verification is cached briefly.
 *
 * What guessing keys costs: text not shaped like a key is refused by a regular expression; a
 * well-shaped key costs one indexed lookup, shared by concurrent requests with the same key, and
 * a miss is then remembered for MISS_TTL_MS in a cache of its own. Misses never evict verified
 * keys (a flood of guesses cannot push them out, nor their fallback for PostgreSQL outages), and
 * no miss outlives MISS_TTL_MS, so a key created by another process is accepted within a second.
 */
export class ApiKeyStore {
  private readonly verified: LRUCache<string, Principal>;
  private readonly misses: LRUCache<string, true>;
  private readonly lookups = new Map<string, Promise<Principal | null>>();

  constructor(
    private readonly db: Db,
    /** How long a verified key is trusted without a database read; bounds revocation delay. */
    cacheTtlMs: number,
  ) {
    // Expired answers are kept (not served) so that verify can fall back on them while PostgreSQL is down.
    this.verified = new LRUCache({ max: 10_000, ttl: Math.max(1, cacheTtlMs), noDeleteOnStaleGet: true });
    this.misses = new LRUCache({ max: 10_000, ttl: Math.max(1, Math.min(MISS_TTL_MS, cacheTtlMs)) });
  }

  async create(input: {
    tenant: string;
    name: string;
    providers?: string[] | null;
    isAdmin?: boolean;
    signingSecret?: string | null;
  }): Promise<CreatedKey> {
    const problem = input.signingSecret ? signingSecretProblem(input.signingSecret) : null;
    if (problem) throw new KeyInputError(problem);
    const key = generateKey();
    const [row] = await this.db
      .insert(apiKeys)
      .values({
        tenant: input.tenant,
        name: input.name,
        keyHash: hashKey(key),
        providers: input.providers ?? null,
        isAdmin: input.isAdmin ?? false,
        signingSecret: input.signingSecret ?? null,
      })
      .returning({ id: apiKeys.id });
    this.misses.delete(hashKey(key));
    return { id: (row as { id: string }).id, key };
  }

  /**
   * Issues a new key with the same scope and signing secret (or `signingSecret` when given); the
   * old one keeps working until revoked, so clients can switch without downtime.
   */
  async rotate(id: string, options: { signingSecret?: string | null } = {}): Promise<CreatedKey> {
    const [old] = await this.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    if (!old) throw new KeyInputError(`no active key with id ${id}`);
    return this.create({
      tenant: old.tenant,
      name: old.name,
      providers: old.providers,
      isAdmin: old.isAdmin,
      signingSecret: options.signingSecret === undefined ? old.signingSecret : options.signingSecret,
    });
  }

  async revoke(id: string): Promise<boolean> {
    const rows = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ keyHash: apiKeys.keyHash });
    for (const row of rows) this.verified.delete(row.keyHash);
    return rows.length > 0;
  }

  async list(tenant?: string) {
    const rows = await this.db
      .select({
        id: apiKeys.id,
        tenant: apiKeys.tenant,
        name: apiKeys.name,
        providers: apiKeys.providers,
        isAdmin: apiKeys.isAdmin,
        signed: sql<boolean>`${apiKeys.signingSecret} is not null`,
        createdAt: apiKeys.createdAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(tenant ? eq(apiKeys.tenant, tenant) : undefined)
      .orderBy(apiKeys.createdAt);
    return rows;
  }

  /** The principal for a plaintext key, or null when it is unknown or revoked. */
  async verify(key: string): Promise<Principal | null> {
    if (!KEY_SHAPE.test(key)) return null;
    const digest = hashKey(key);
    const cached = this.verified.get(digest);
    if (cached !== undefined) return cached;
    if (this.misses.has(digest)) return null;
    let lookup = this.lookups.get(digest);
    if (!lookup) {
      lookup = this.lookup(digest).finally(() => this.lookups.delete(digest));
      this.lookups.set(digest, lookup);
    }
    return lookup;
  }

  private async lookup(digest: string): Promise<Principal | null> {
    let row: typeof apiKeys.$inferSelect | undefined;
    try {
      [row] = await withDeadline(
        this.db
          .select()
          .from(apiKeys)
          .where(and(eq(apiKeys.keyHash, digest), isNull(apiKeys.revokedAt))),
        LOOKUP_DEADLINE_MS,
      );
    } catch (error) {
      // PostgreSQL is unreachable: a key verified before keeps its last answer (so ingestion, which
      // needs only Redis, goes on; a revocation made meanwhile bites once PostgreSQL is back).
      const stale = this.verified.get(digest, { allowStale: true });
      if (stale !== undefined) return stale;
      throw new KeyStoreUnavailableError(error);
    }
    // The lookup is by digest; comparing digests in constant time keeps timing independent of the stored value.
    const principal =
      row && timingSafeEqual(Buffer.from(row.keyHash, 'hex'), Buffer.from(digest, 'hex'))
        ? {
            keyId: row.id,
            keyName: row.name,
            tenant: row.tenant,
            providers: row.providers,
            isAdmin: row.isAdmin,
            signingSecret: row.signingSecret,
          }
        : null;
    if (principal) this.verified.set(digest, principal);
    else {
      // A revoked key's expired entry must not come back as the outage fallback.
      this.verified.delete(digest);
      this.misses.set(digest, true);
    }
    return principal;
  }
}

/** A key request that cannot be carried out (unknown key, malformed signing secret); the message says why. */
export class KeyInputError extends Error {}

/** A key could not be verified because PostgreSQL did not answer (and the key was not verified before). */
export class KeyStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`API keys cannot be verified: ${(cause as Error).message ?? cause}`, { cause });
    this.name = 'KeyStoreUnavailableError';
  }
}

async function withDeadline<T>(work: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
