import { type Alert, severityRank } from '../alert/alert.js';
import type { Route, Target } from './model.js';

/** Whether one route selects the alert: every field given must match. */
export function routeMatches(route: Route, alert: Alert): boolean {
  if (route.tenants && !route.tenants.includes(alert.tenant)) return false;
  if (route.minSeverity && severityRank(alert.severity) < severityRank(route.minSeverity)) return false;
  if (route.providers && !route.providers.includes(alert.providerType)) return false;
  if (route.statuses && !route.statuses.includes(alert.status)) return false;
  if (route.labels)
    for (const [key, value] of Object.entries(route.labels)) if (alert.labels[key] !== value) return false;
  return true;
}

/** Whether a target receives the alert: any route matches; a target without routes takes every alert. */
export function targetWants(target: Pick<Target, 'routes'>, alert: Alert): boolean {
  return target.routes.length === 0 || target.routes.some((route) => routeMatches(route, alert));
}

/** Alerts per target, for the targets that receive at least one (disabled ones included: they are reported). */
export function routeAlerts(targets: readonly Target[], alerts: readonly Alert[]): Map<Target, Alert[]> {
  const routed = new Map<Target, Alert[]>();
  for (const target of targets) {
    const selected = alerts.filter((alert) => targetWants(target, alert));
    if (selected.length > 0) routed.set(target, selected);
  }
  return routed;
}
