import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyStore, KeyStoreUnavailableError, type Principal } from '../auth/api-keys.js';
import { CredentialError, extractApiKey } from './credentials.js';
import { ApiError, dependencyUnavailable } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** onRequest hook: resolves the request's API key to a principal or answers 401/403 (503 while keys cannot be read). */
export function createAuthenticate(keys: ApiKeyStore, options: { admin: boolean }) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let key: string | null;
    try {
      key = extractApiKey(request);
    } catch (error) {
      if (error instanceof CredentialError) throw new ApiError('unauthorized', error.message);
      throw error;
    }
    if (!key) {
      reply.header('www-authenticate', 'Basic realm="alertgate"');
      throw new ApiError('unauthorized', 'Missing API Key: send X-API-KEY, ?api_key=, Bearer or Basic credentials');
    }
    const principal = await keys.verify(key).catch((error: unknown) => {
      if (!(error instanceof KeyStoreUnavailableError)) throw error;
      request.log.warn({ err: error }, 'API key lookup failed');
      throw dependencyUnavailable('the API key cannot be verified right now; retry later');
    });
    if (!principal) throw new ApiError('unauthorized', 'Invalid API Key');
    if (options.admin && !principal.isAdmin) throw new ApiError('forbidden', 'this endpoint needs an admin key');
    if (!options.admin && principal.isAdmin)
      throw new ApiError('forbidden', 'admin keys are only accepted on admin endpoints');
    request.principal = principal;
  };
}

/** The authenticated principal; routes behind `authenticate` can rely on it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('unauthorized', 'Missing API Key');
  return request.principal;
}
