import { Type } from 'typebox';
import * as metrics from '../../metrics.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';
import { invalidParameter, SECURITY, type SearchRouteDeps, searchFailure } from './search-common.js';
import { AlertBody, searchErrors } from './search-schemas.js';

const Params = Type.Object({
  id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
});

/** `GET /api/v1/alerts/{id}`: one alert of the caller's tenant, from whichever store holds it. */
export function registerAlertByIdRoute(app: App, deps: SearchRouteDeps): void {
  app.get(
    '/api/v1/alerts/:id',
    {
      onRequest: deps.authenticate,
      attachValidation: true,
      schema: {
        tags: ['search'],
        security: SECURITY,
        summary: 'One alert by id (hot or archived)',
        params: Params,
        response: { 200: AlertBody, 404: ErrorBody, ...searchErrors },
      },
    },
    async (request) => {
      if (request.validationError) throw invalidParameter(request.validationError, 'by_id');
      const id = request.params.id.toLowerCase();
      let alert: Awaited<ReturnType<typeof deps.search.findById>>;
      try {
        alert = await deps.search.findById(principalOf(request).tenant, id);
      } catch (error) {
        throw searchFailure(error, 'by_id');
      }
      // Another tenant's alert answers exactly like a missing one: ids reveal nothing across tenants.
      if (!alert) {
        metrics.searchRequests.inc({ route: 'by_id', outcome: 'not_found' });
        throw new ApiError('not_found', `no alert ${id}`);
      }
      metrics.searchRequests.inc({ route: 'by_id', outcome: 'ok' });
      return alert;
    },
  );
}
