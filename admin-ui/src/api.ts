import type { AdminSnapshot } from '../../src/observe/admin-snapshot-types.js';

/**
 * The admin key lives in sessionStorage: entered once per tab, gone when the tab closes. fetch
 * sends it as X-API-KEY; EventSource cannot send headers, so the stream gets `?api_key=`.
 */
const KEY = 'alertgate.adminKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}

export class AuthError extends Error {}

/** An admin API call; throws AuthError on 401/403 and Error with the server's message otherwise. */
export async function call(method: 'GET' | 'POST', path: string, key: string): Promise<unknown> {
  const response = await fetch(path, { method, headers: { 'x-api-key': key }, cache: 'no-store' });
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 401 || response.status === 403)
    throw new AuthError((body as { message?: string } | null)?.message ?? 'not authorized');
  // The health probe answers 503 with a full body when unhealthy: that is an answer, not a failure.
  if (!response.ok && response.status !== 503)
    throw new Error((body as { message?: string } | null)?.message ?? `HTTP ${response.status}`);
  return body;
}

/** Checks a key against an admin endpoint. */
export async function verifyKey(key: string): Promise<void> {
  await call('GET', '/admin/queues/health', key);
}

export interface StreamHandlers {
  snapshot(snapshot: AdminSnapshot): void;
  state(state: 'live' | 'reconnecting', detail?: string): void;
  unauthorized(): void;
}

/** Follows /admin/events; EventSource reconnects by itself, and a failed reconnect is checked for a revoked key. */
export function follow(key: string, handlers: StreamHandlers): () => void {
  const source = new EventSource(`/admin/events?api_key=${encodeURIComponent(key)}`);
  source.addEventListener('open', () => handlers.state('live'));
  source.addEventListener('snapshot', (event) => {
    handlers.state('live');
    handlers.snapshot(JSON.parse((event as MessageEvent<string>).data) as AdminSnapshot);
  });
  source.addEventListener('failure', (event) => {
    handlers.state('reconnecting', (JSON.parse((event as MessageEvent<string>).data) as { message: string }).message);
  });
  source.addEventListener('error', () => {
    handlers.state('reconnecting');
    verifyKey(key).catch((error: unknown) => {
      if (error instanceof AuthError) {
        source.close();
        handlers.unauthorized();
      }
    });
  });
  return () => source.close();
}
