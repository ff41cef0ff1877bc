import type { App } from '../app.js';
import { registerAlertByIdRoute } from './alert-by-id.js';
import { registerAlertHistoryRoute } from './alert-history.js';
import { registerAlertSearchRoute } from './alert-search.js';
import type { SearchRouteDeps } from './search-common.js';

export type { SearchRouteDeps } from './search-common.js';

/** The federated alert read API: search, one alert by id, fingerprint history. Tenant keys only. */
export function registerSearchRoutes(app: App, deps: SearchRouteDeps): void {
  registerAlertSearchRoute(app, deps);
  registerAlertHistoryRoute(app, deps);
  registerAlertByIdRoute(app, deps);
}
