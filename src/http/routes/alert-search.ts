import type { App } from '../app.js';
import { answerSearch, SECURITY, type SearchRouteDeps } from './search-common.js';
import { SearchFields, SearchQuery, SearchResponseBody, searchErrors } from './search-schemas.js';

/** `GET /api/v1/alerts/search` (query parameters) and `POST` (the same fields as JSON). */
export function registerAlertSearchRoute(app: App, deps: SearchRouteDeps): void {
  const schema = {
    tags: ['search'],
    security: SECURITY,
    response: { 200: SearchResponseBody, ...searchErrors },
  };
  app.get(
    '/api/v1/alerts/search',
    {
      onRequest: deps.authenticate,
      attachValidation: true,
      schema: { ...schema, summary: 'Search hot and archived alerts', querystring: SearchQuery },
    },
    (request) => answerSearch(deps, request, 'search', request.query),
  );
  app.post(
    '/api/v1/alerts/search',
    {
      onRequest: deps.authenticate,
      attachValidation: true,
      schema: { ...schema, summary: 'Search hot and archived alerts (JSON body)', body: SearchFields },
    },
    (request) => answerSearch(deps, request, 'search', request.body ?? {}),
  );
}
