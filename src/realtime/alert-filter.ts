import type { Alert } from '../alert/alert.js';
import type { SearchFilters } from '../search/types.js';
import type { StreamEvent } from './events.js';

/** The fields a stream filter reads: an alert, or what a lifecycle event knows of one. */
type Matchable = Pick<
  Alert,
  'providerType' | 'severity' | 'status' | 'fingerprint' | 'service' | 'environment' | 'labels' | 'name'
> &
  Partial<Pick<Alert, 'description' | 'message'>>;

/**
 * Whether an alert passes a subscriber's filters, with search's semantics (search/types.ts): lists
 * OR within a field, fields AND together, empty lists match anything, labels match exactly, and
 * every `q` term must occur in name, description or message (search/text-match.ts).
 */
export function matchesFilters(filters: SearchFilters, alert: Matchable): boolean {
  if (filters.providers.length > 0 && !filters.providers.includes(alert.providerType)) return false;
  if (filters.severities.length > 0 && !filters.severities.includes(alert.severity)) return false;
  if (filters.statuses.length > 0 && !filters.statuses.includes(alert.status)) return false;
  if (filters.fingerprints.length > 0 && !filters.fingerprints.includes(alert.fingerprint)) return false;
  if (filters.services.length > 0 && (alert.service === null || !filters.services.includes(alert.service)))
    return false;
  if (
    filters.environments.length > 0 &&
    (alert.environment === null || !filters.environments.includes(alert.environment))
  )
    return false;
  for (const [key, value] of filters.labels) if (alert.labels[key] !== value) return false;
  if (filters.terms.length > 0) {
    const text = `${alert.name} ${alert.description ?? ''} ${alert.message ?? ''}`.toLowerCase();
    if (!filters.terms.every((term) => text.includes(term))) return false;
  }
  return true;
}

/**
 * Whether a subscriber of `filters` receives the event. A lifecycle event is judged by its alert
 * with the new state as status; without a stored alert, only fingerprint and status filters can
 * match it.
 */
export function eventMatches(filters: SearchFilters, event: StreamEvent): boolean {
  if (event.type === 'alert') return event.alert.tenant === filters.tenant && matchesFilters(filters, event.alert);
  if (event.tenant !== filters.tenant) return false;
  if (event.alert) return matchesFilters(filters, { ...event.alert, status: event.to });
  const onlyKnownFields =
    filters.providers.length + filters.severities.length + filters.services.length + filters.environments.length ===
      0 &&
    filters.labels.length === 0 &&
    filters.terms.length === 0;
  return (
    onlyKnownFields &&
    (filters.fingerprints.length === 0 || filters.fingerprints.includes(event.fingerprint)) &&
    (filters.statuses.length === 0 || filters.statuses.includes(event.to))
  );
}
