import { Type } from 'typebox';
import type { App } from '../app.js';
import { answerSearch, SECURITY, type SearchRouteDeps } from './search-common.js';
import { HistoryFields, SearchResponseBody, searchErrors } from './search-schemas.js';

const Params = Type.Object({ fingerprint: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * `GET /api/v1/alerts/fingerprint/{fingerprint}/history`: every stored occurrence of a fingerprint
 * in both stores, newest first, paginated like search. The window defaults to all time.
 */
export function registerAlertHistoryRoute(app: App, deps: SearchRouteDeps): void {
  app.get(
    '/api/v1/alerts/fingerprint/:fingerprint/history',
    {
      onRequest: deps.authenticate,
      attachValidation: true,
      schema: {
        tags: ['search'],
        security: SECURITY,
        summary: 'Occurrences of one fingerprint over time',
        params: Params,
        querystring: HistoryFields,
        response: { 200: SearchResponseBody, ...searchErrors },
      },
    },
    (request) => {
      const { fingerprint } = request.params;
      return answerSearch(deps, request, 'history', {
        ...request.query,
        fingerprint: [fingerprint],
      });
    },
  );
}
