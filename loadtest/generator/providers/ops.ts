/** Incident and infrastructure tools: Keep's own format, PagerDuty, Zabbix, Kibana, Uptime Kuma, Netdata. */
import { iso, numericId, type ProviderTemplate, type TemplateAlert, uuidOf } from './template.js';

const ZABBIX_SEVERITY = { critical: 'High', warning: 'Warning', info: 'Information' } as const;

/** Zabbix renders {DATE} {TIME} as yyyy.mm.dd hh:mm:ss. */
function zabbixDate(epochMs: number): string {
  const [date = '', time = ''] = iso(epochMs).slice(0, 19).split('T');
  return `${date.replaceAll('-', '.')} ${time}`;
}

export const keepTemplate: ProviderTemplate = {
  type: 'keep',
  single: (alert) => ({
    id: uuidOf(alert.key, alert.startedAt),
    name: `${alert.family} on ${alert.instance}`,
    status: alert.firing ? 'firing' : 'resolved',
    severity: alert.severity,
    lastReceived: iso(alert.firing ? alert.startedAt : alert.endedAt),
    environment: alert.env,
    service: alert.service,
    source: ['custom-monitor'],
    message: `${alert.family} on ${alert.instance}`,
    description: alert.text,
    url: `https://monitor.example.com/checks/${alert.instance}`,
    labels: { host: alert.instance, team: alert.team, region: alert.region },
    fingerprint: alert.key,
  }),
};

export const pagerdutyTemplate: ProviderTemplate = {
  type: 'pagerduty',
  single: (alert) => {
    const id = `P${alert.key.slice(0, 6).toUpperCase()}`;
    return {
      id,
      type: 'alert',
      summary: `${alert.family} on ${alert.instance}`,
      self: `https://api.pagerduty.com/incidents/PT4KHLK/alerts/${id}`,
      html_url: `https://acme.pagerduty.com/alerts/${id}`,
      created_at: iso(alert.startedAt).replace(/\.\d{3}Z$/, 'Z'),
      status: alert.firing ? 'triggered' : 'resolved',
      alert_key: alert.key,
      service: { id: 'PIJ90N7', type: 'service_reference', summary: alert.service, name: alert.service },
      body: {
        type: 'alert_body',
        details: { description: alert.text, team: alert.team },
        cef_details: { source_origin: alert.instance, event_class: alert.family },
      },
      suppressed: false,
      severity: alert.severity === 'info' ? 'info' : alert.severity,
    };
  },
};

export const zabbixTemplate: ProviderTemplate = {
  type: 'zabbix',
  single: (alert) => {
    const at = alert.firing ? alert.startedAt : alert.endedAt;
    const name = `${alert.family} on ${alert.instance}`;
    return {
      id: numericId(alert.key, 7),
      triggerId: numericId(alert.key.slice(4), 5),
      lastReceived: zabbixDate(at),
      message: `Problem ${alert.firing ? 'started' : 'has been resolved'} at ${zabbixDate(at)}\r\nProblem name: ${name}\r\nHost: ${alert.instance}\r\n`,
      name,
      service: alert.instance,
      severity: ZABBIX_SEVERITY[alert.severity],
      status: alert.firing ? 'PROBLEM' : 'RESOLVED',
      tags: JSON.stringify([
        { tag: 'component', value: alert.service },
        { tag: 'environment', value: alert.env },
      ]),
      description: alert.text,
      time: zabbixDate(alert.startedAt).slice(11),
      value: alert.firing ? '1' : '0',
      host_ip: `10.${Number.parseInt(alert.key.slice(0, 2), 16)}.${Number.parseInt(alert.key.slice(2, 4), 16)}.7`,
      host_name: alert.instance,
      url: 'https://zabbix.example.com',
      update_action: '{EVENT.UPDATE.ACTION}',
      event_ack: 'No',
    };
  },
};

export const kibanaTemplate: ProviderTemplate = {
  type: 'kibana',
  single: (alert) => ({
    actionGroup: alert.firing ? 'custom_threshold.fired' : 'recovered',
    status: alert.firing ? 'Alert' : 'recovered',
    actionSubgroup: '',
    isFlapping: 'false',
    id: alert.instance,
    fingerprint: alert.key,
    url: '',
    'context.group': `host.name: ${alert.instance}`,
    description: alert.text,
    contextTags: `region=${alert.region},owner=${alert.team}`,
    'context.timestamp': iso(alert.firing ? alert.startedAt : alert.endedAt),
    'context.value': alert.firing ? '96.4%' : '41.0%',
    ruleId: uuidOf(alert.key, 7),
    'rule.spaceId': 'default',
    ruleUrl: `https://kibana.example.com/s/default/app/observability/alerts/rules/${uuidOf(alert.key, 7)}`,
    ruleTags: `environment=${alert.env},team=${alert.team}`,
    name: `${alert.service} ${alert.family}`,
    'rule.type': 'observability.rules.custom_threshold',
  }),
};

export const uptimekumaTemplate: ProviderTemplate = {
  type: 'uptimekuma',
  single: (alert) => {
    const monitorId = Number.parseInt(alert.key.slice(0, 6), 16);
    const name = `${alert.service} ${alert.instance}`;
    const at = iso(alert.firing ? alert.startedAt : alert.endedAt);
    return {
      heartbeat: {
        monitorID: monitorId,
        status: alert.firing ? 0 : 1,
        time: at.slice(0, 23).replace('T', ' '),
        msg: alert.firing ? `getaddrinfo ENOTFOUND ${alert.instance}` : '200 - OK',
        important: true,
        duration: 60,
        timezone: 'UTC',
        timezoneOffset: '+00:00',
        localDateTime: at.slice(0, 19).replace('T', ' '),
      },
      monitor: {
        id: monitorId,
        name,
        description: alert.text,
        url: `https://${alert.instance}.example.com/health`,
        method: 'GET',
        type: 'http',
        interval: 60,
        tags: [{ name: 'team', value: alert.team, color: '#059669' }],
      },
      msg: `[${name}] [${alert.firing ? 'Down' : 'Up'}] ${alert.firing ? 'getaddrinfo ENOTFOUND' : 'OK'}`,
    };
  },
};

export const netdataTemplate: ProviderTemplate = {
  type: 'netdata',
  single: (alert: TemplateAlert) => ({
    message: `${alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${alert.family} on ${alert.instance}`,
    alert: `${alert.family}.${alert.instance}`,
    info: alert.text,
    chart: `${alert.family}._var`,
    context: `${alert.service}.${alert.family}`,
    space: `Acme ${alert.env}`,
    family: '/var',
    class: 'Utilization',
    severity: alert.severity,
    // Netdata alert notifications carry no resolution; its reachability status is the closest firing/resolved pair.
    status: { text: alert.firing ? 'unreachable' : 'reachable' },
    date: iso(alert.firing ? alert.startedAt : alert.endedAt).replace('Z', '+00:00'),
    duration: '5 minutes',
    alert_url: `https://app.netdata.cloud/alerts/redirect?transition=${uuidOf(alert.key, alert.startedAt)}`,
  }),
};
