/** Alertmanager-style webhooks that group alerts natively: Prometheus Alertmanager, vmalert, Grafana. */
import { iso, type ProviderTemplate, type TemplateAlert } from './template.js';

const NEVER = '0001-01-01T00:00:00Z';

function labelsOf(alert: TemplateAlert): Record<string, string> {
  return {
    alertname: alert.family,
    instance: alert.instance,
    job: alert.service,
    severity: alert.severity,
    service: alert.service,
    team: alert.team,
    env: alert.env,
    region: alert.region,
  };
}

function amAlert(alert: TemplateAlert) {
  return {
    status: alert.firing ? 'firing' : 'resolved',
    labels: labelsOf(alert),
    annotations: {
      summary: `${alert.family} on ${alert.instance}`,
      description: alert.text,
      runbook_url: `https://runbooks.example.com/${alert.family}`,
    },
    startsAt: iso(alert.startedAt),
    endsAt: alert.firing ? NEVER : iso(alert.endedAt),
    generatorURL: `http://prometheus.${alert.region}.example.com:9090/graph?g0.expr=${alert.family}&g0.tab=1`,
    fingerprint: alert.key,
  };
}

function envelope(alerts: readonly TemplateAlert[], receiver: string) {
  const first = alerts[0] as TemplateAlert;
  return {
    version: '4',
    groupKey: `{}/{severity=~"warning|critical"}:{alertname="${first.family}"}`,
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.firing) ? 'firing' : 'resolved',
    receiver,
    groupLabels: { alertname: first.family },
    commonLabels: { alertname: first.family, team: first.team },
    commonAnnotations: {},
    externalURL: `http://alertmanager.${first.region}.example.com:9093`,
  };
}

export const prometheusTemplate: ProviderTemplate = {
  type: 'prometheus',
  single: (alert) => prometheusTemplate.group?.([alert]),
  group: (alerts) => ({ ...envelope(alerts, 'alertgate'), alerts: alerts.map(amAlert) }),
};

export const victoriametricsTemplate: ProviderTemplate = {
  type: 'victoriametrics',
  single: (alert) => victoriametricsTemplate.group?.([alert]),
  group: (alerts) => ({
    ...envelope(alerts, 'alertgate'),
    alerts: alerts.map((alert) => {
      const rendered = amAlert(alert);
      return {
        ...rendered,
        labels: { alertgroup: `${alert.service}-health`, ...rendered.labels },
        generatorURL: `http://vmalert.${alert.region}.example.com:8880/vmalert/alert?group_id=${alert.key}`,
      };
    }),
  }),
};

export const grafanaTemplate: ProviderTemplate = {
  type: 'grafana',
  single: (alert) => grafanaTemplate.group?.([alert]),
  group: (alerts) => {
    const first = alerts[0] as TemplateAlert;
    const firing = alerts.filter((alert) => alert.firing).length;
    return {
      receiver: 'alertgate-webhook',
      status: firing > 0 ? 'firing' : 'resolved',
      orgId: 1,
      alerts: alerts.map((alert) => ({
        ...amAlert(alert),
        generatorURL: `https://grafana.example.com/alerting/${alert.key.slice(0, 9)}/edit`,
        dashboardURL: `https://grafana.example.com/d/${alert.service}`,
        values: { B: 40 + (Number.parseInt(alert.key.slice(0, 4), 16) % 60), C: 1 },
      })),
      groupLabels: {},
      commonLabels: { team: first.team },
      commonAnnotations: {},
      version: '1',
      truncatedAlerts: 0,
      title: `[${firing > 0 ? `FIRING:${firing}` : 'RESOLVED'}] ${first.family} (${first.team})`,
      state: firing > 0 ? 'alerting' : 'ok',
    };
  },
};
