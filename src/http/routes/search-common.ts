/** What the alert search routes share: dependencies, and turning search failures into API errors. */
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import * as metrics from '../../metrics.js';
import { type FederatedSearch, type SearchKind, SearchUnavailableError } from '../../search/federated-search.js';
import { parseSearchInput, type SearchInput, SearchInputError } from '../../search/search-input.js';
import { principalOf } from '../authenticate.js';
import { ApiError, dependencyUnavailable } from '../errors.js';

export interface SearchRouteDeps {
  /** Tenant-key authentication (`createAuthenticate(keys, { admin: false })`). */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  search: FederatedSearch;
}

export const SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];

type MetricRoute = 'search' | 'history' | 'by_id';

/**
 * A schema violation as a 400 naming the parameter. Routes validate with `attachValidation` so the
 * unknown-field case can name the field, which the generic handler's message does not.
 */
export function invalidParameter(
  error: { validation?: FastifySchemaValidationError[]; validationContext?: string },
  route: MetricRoute,
): ApiError {
  metrics.searchRequests.inc({ route, outcome: 'invalid' });
  const first = error.validation?.[0];
  const unknown = first?.keyword === 'additionalProperties';
  const parameter = unknown
    ? String((first.params as { additionalProperty?: unknown }).additionalProperty)
    : (first?.instancePath.split('/')[1] ?? error.validationContext ?? 'request');
  const problem = unknown ? 'is not a known parameter' : (first?.message ?? 'is invalid');
  return new ApiError('bad_request', `${parameter}: ${problem}`, { parameter });
}

/** Runs a federated search for the caller's tenant and maps its failures to API errors. */
export async function answerSearch(
  deps: SearchRouteDeps,
  request: FastifyRequest,
  kind: SearchKind,
  input: SearchInput,
) {
  if (request.validationError) throw invalidParameter(request.validationError, kind);
  try {
    const result = await deps.search.search(kind, parseSearchInput(principalOf(request).tenant, input));
    metrics.searchRequests.inc({ route: kind, outcome: result.partial ? 'partial' : 'ok' });
    return result;
  } catch (error) {
    throw searchFailure(error, kind);
  }
}

/** Maps the search's own errors; anything else is left to the shared error handler (500). */
export function searchFailure(error: unknown, route: MetricRoute): unknown {
  if (error instanceof SearchInputError) {
    metrics.searchRequests.inc({ route, outcome: 'invalid' });
    return new ApiError('bad_request', error.message, { parameter: error.parameter });
  }
  if (error instanceof SearchUnavailableError) {
    metrics.searchRequests.inc({ route, outcome: 'unavailable' });
    return dependencyUnavailable(
      `alert search is unavailable: ${error.errors.map((item) => item.message).join('; ')}`,
      { errors: error.errors },
    );
  }
  return error;
}
