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

/** Creates, rotates, revokes, lists and verifies API keys. Verification is cached briefly. */
export class ApiKeyStore {
  private readonly cache: LRUCache<string, Principal | false>;

  constructor(
    private readonly db: Db,
    /** How long a verified (or rejected) key is trusted without a database read; bounds revocation delay. */
    cacheTtlMs: number,
  ) {
    // Expired answers are kept (not served) so that verify can fall back on them while PostgreSQL is down.
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, cacheTtlMs), noDeleteOnStaleGet: true });
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
    for (const row of rows) this.cache.delete(row.keyHash);
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
    const digest = hashKey(key);
    const cached = this.cache.get(digest);
    if (cached !== undefined) return cached || null;
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
      const stale = this.cache.get(digest, { allowStale: true });
      if (stale !== undefined) return stale || null;
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
    this.cache.set(digest, principal ?? false);
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
