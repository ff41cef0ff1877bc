/** Every supported provider adapter; the registry is built from this list. */
import type { ProviderAdapter } from './adapter.js';
import { azuremonitoringAdapter } from './azuremonitoring.js';
import { cloudwatchAdapter } from './cloudwatch.js';
import { coralogixAdapter } from './coralogix.js';
import { datadogAdapter } from './datadog.js';
import { gcpmonitoringAdapter } from './gcpmonitoring.js';
import { grafanaAdapter } from './grafana.js';
import { keepAdapter } from './keep.js';
import { kibanaAdapter } from './kibana.js';
import { netdataAdapter } from './netdata.js';
import { newrelicAdapter } from './newrelic.js';
import { pagerdutyAdapter } from './pagerduty.js';
import { prometheusAdapter } from './prometheus.js';
import { sentryAdapter } from './sentry.js';
import { signalfxAdapter } from './signalfx.js';
import { uptimekumaAdapter } from './uptimekuma.js';
import { victoriametricsAdapter } from './victoriametrics.js';
import { zabbixAdapter } from './zabbix.js';

export const PROVIDER_ADAPTERS: readonly ProviderAdapter[] = [
  keepAdapter,
  prometheusAdapter,
  victoriametricsAdapter,
  grafanaAdapter,
  datadogAdapter,
  pagerdutyAdapter,
  cloudwatchAdapter,
  sentryAdapter,
  zabbixAdapter,
  newrelicAdapter,
  gcpmonitoringAdapter,
  azuremonitoringAdapter,
  signalfxAdapter,
  coralogixAdapter,
  kibanaAdapter,
  uptimekumaAdapter,
  netdataAdapter,
];
