/** Every provider template, keyed by provider type, and the default traffic mix. */
import { grafanaTemplate, prometheusTemplate, victoriametricsTemplate } from './alertmanager.js';
import { coralogixTemplate, datadogTemplate, newrelicTemplate, sentryTemplate, signalfxTemplate } from './apm.js';
import { azuremonitoringTemplate, cloudwatchTemplate, gcpmonitoringTemplate } from './cloud.js';
import {
  keepTemplate,
  kibanaTemplate,
  netdataTemplate,
  pagerdutyTemplate,
  uptimekumaTemplate,
  zabbixTemplate,
} from './ops.js';
import type { ProviderTemplate } from './template.js';

export type { GenSeverity, ProviderTemplate, TemplateAlert } from './template.js';

export const TEMPLATES: Readonly<Record<string, ProviderTemplate>> = Object.fromEntries(
  [
    prometheusTemplate,
    grafanaTemplate,
    datadogTemplate,
    cloudwatchTemplate,
    victoriametricsTemplate,
    keepTemplate,
    azuremonitoringTemplate,
    gcpmonitoringTemplate,
    newrelicTemplate,
    sentryTemplate,
    signalfxTemplate,
    coralogixTemplate,
    pagerdutyTemplate,
    zabbixTemplate,
    kibanaTemplate,
    uptimekumaTemplate,
    netdataTemplate,
  ].map((template) => [template.type, template]),
);

/** Share of requests per provider: weighted toward Alertmanager, Grafana, Datadog and CloudWatch (85%). */
export const DEFAULT_MIX: Readonly<Record<string, number>> = {
  prometheus: 40,
  grafana: 18,
  datadog: 15,
  cloudwatch: 12,
  victoriametrics: 2,
  keep: 2,
  azuremonitoring: 1.5,
  gcpmonitoring: 1.5,
  newrelic: 1,
  sentry: 1,
  signalfx: 1,
  coralogix: 1,
  pagerduty: 1,
  zabbix: 1,
  kibana: 0.5,
  uptimekuma: 0.5,
  netdata: 1,
};
