/** APM and observability SaaS webhooks: Datadog, New Relic, Sentry, SignalFx, Coralogix. */
import { iso, numericId, type ProviderTemplate, uuidOf } from './template.js';

const DATADOG_PRIORITY = { critical: 'P1', warning: 'P3', info: 'P5' } as const;
const NEWRELIC_SEVERITY = { critical: 'CRITICAL', warning: 'HIGH', info: 'INFO' } as const;
const SENTRY_LEVEL = { critical: 'fatal', warning: 'warning', info: 'info' } as const;
const SIGNALFX_SEVERITY = { critical: 'Critical', warning: 'Warning', info: 'Info' } as const;
const CORALOGIX_SEVERITY = { critical: 'critical', warning: 'warning', info: 'info' } as const;

export const datadogTemplate: ProviderTemplate = {
  type: 'datadog',
  single: (alert) => {
    const transition = alert.firing ? 'Triggered' : 'Recovered';
    const at = alert.firing ? alert.startedAt : alert.endedAt;
    const monitorId = numericId(alert.key, 7);
    return {
      body: `%%%\n${alert.text}\n%%%`,
      last_updated: String(at),
      event_type: 'query_alert_monitor',
      title: `[${transition} on {host:${alert.instance}}] ${alert.family} on ${alert.instance}`,
      severity: DATADOG_PRIORITY[alert.severity],
      alert_type: alert.firing ? 'error' : 'success',
      alert_query: `avg(last_5m):avg:${alert.family}{*} by {host} > 90`,
      alert_transition: transition,
      date: String(at),
      scopes: `host:${alert.instance}, availability-zone:${alert.region}a`,
      org: { id: '123456', name: 'Acme Corp' },
      url: `https://app.datadoghq.com/event/event?id=${numericId(alert.key, 19)}`,
      tags: `env:${alert.env},monitor,service:${alert.service},team:${alert.team}`,
      id: `${numericId(alert.key, 12)}${String(at % 10_000_000).padStart(7, '0')}`,
      monitor_id: monitorId,
    };
  },
};

export const newrelicTemplate: ProviderTemplate = {
  type: 'newrelic',
  single: (alert) => {
    const id = uuidOf(alert.key, alert.startedAt);
    const updatedAt = alert.firing ? alert.startedAt + 1700 : alert.endedAt;
    return {
      id,
      issueUrl: `https://radar-api.service.newrelic.com/accounts/3654321/issues/${id}?notifier=WEBHOOK`,
      name: `${alert.family} > 90 for at least 5 minutes on ${alert.instance}`,
      severity: NEWRELIC_SEVERITY[alert.severity],
      impactedEntities: [alert.instance],
      totalIncidents: 1,
      status: alert.firing ? 'ACTIVATED' : 'CLOSED',
      trigger: 'STATE_CHANGE',
      isCorrelated: false,
      createdAt: alert.startedAt,
      updatedAt,
      lastReceived: updatedAt,
      source: ['newrelic'],
      alertPolicyNames: [`${alert.service} golden signals`],
      alertConditionNames: [alert.family],
      workflowName: `alertgate-webhook-${alert.team}`,
      description: alert.text,
    };
  },
};

export const sentryTemplate: ProviderTemplate = {
  type: 'sentry',
  single: (alert) => {
    const issueId = numericId(alert.key, 10);
    return {
      id: issueId,
      action: alert.firing ? 'unresolved' : 'resolved',
      project: alert.service,
      project_name: alert.service,
      project_slug: alert.service,
      logger: null,
      level: SENTRY_LEVEL[alert.severity],
      culprit: `${alert.service}.handlers in ${alert.family}`,
      message: alert.text,
      url: `https://acme.sentry.io/issues/${issueId}/?referrer=webhooks_plugin`,
      triggering_rules: [`Alertgate rule - ${alert.service}`],
      event: {
        event_id: alert.key + alert.key,
        level: SENTRY_LEVEL[alert.severity],
        title: `${alert.family}Error: ${alert.family} failed on ${alert.instance}`,
        type: 'error',
        platform: 'python',
        timestamp: alert.startedAt / 1000,
        received: (alert.startedAt + 60_000) / 1000,
        environment: alert.env,
        metadata: { type: `${alert.family}Error`, value: `${alert.family} failed on ${alert.instance}` },
        tags: [
          ['level', SENTRY_LEVEL[alert.severity]],
          ['server_name', alert.instance],
          ['environment', alert.env],
        ],
      },
    };
  },
};

export const signalfxTemplate: ProviderTemplate = {
  type: 'signalfx',
  single: (alert) => {
    const detectorId = alert.key.slice(0, 10).toUpperCase();
    const status = alert.firing ? 'anomalous' : 'ok';
    return {
      severity: SIGNALFX_SEVERITY[alert.severity],
      originatingMetric: alert.family,
      detectOnCondition: "when(A > threshold(90), '5m')",
      detectOffCondition: "when(A < threshold(85), '5m')",
      messageBody: alert.text,
      src: `${alert.service} ${alert.family}`,
      inputs: { A: { value: '96.4', fragment: `data('${alert.family}')`, key: { host: alert.instance } } },
      rule: `${alert.family} above 90%`,
      description: `The value of ${alert.family} is above 90 for 5m.`,
      messageTitle: `${SIGNALFX_SEVERITY[alert.severity]} Alert: ${alert.family} on ${alert.instance}`,
      sf_schema: 2,
      eventType: `${detectorId}_${alert.family}`,
      runbookUrl: `https://runbooks.example.com/${alert.family}`,
      triggeredWhileMuted: false,
      detectorId,
      detectorUrl: `https://app.us1.signalfx.com/#/detector/v2/${detectorId}/edit?incidentId=${alert.key.slice(4, 13)}&is=${status}`,
      incidentId: alert.key.slice(4, 13).toUpperCase(),
      statusExtended: status,
      timestamp: iso(alert.firing ? alert.startedAt : alert.endedAt),
      detector: `${alert.service} ${alert.family}`,
      status,
    };
  },
};

export const coralogixTemplate: ProviderTemplate = {
  type: 'coralogix',
  single: (alert) => ({
    uuid: uuidOf(alert.key, alert.startedAt),
    alert_id: uuidOf(alert.key, 0),
    name: `${alert.service} ${alert.family} on ${alert.instance}`,
    description: alert.text,
    threshold: '20',
    timewindow: '10',
    group_by_labels: '["kubernetes.pod_name"]',
    alert_action: alert.firing ? 'trigger' : 'resolve',
    alert_url: `https://acme.app.coralogix.com/#/insights?id=${uuidOf(alert.key, 2)}`,
    service: alert.service,
    fields: [
      { key: 'team', value: alert.team },
      { key: 'application', value: alert.env },
      { key: 'subsystem', value: alert.service },
      { key: 'severityLowercase', value: CORALOGIX_SEVERITY[alert.severity] },
      { key: 'computer', value: alert.instance },
      { key: 'timestampISO', value: iso(alert.firing ? alert.startedAt : alert.endedAt) },
      { key: 'alertUniqueIdentifier', value: uuidOf(alert.key, 3) },
    ],
  }),
};
