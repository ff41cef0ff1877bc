/** Cloud provider notifications: AWS CloudWatch (via SNS), Azure Monitor, Google Cloud Monitoring. */
import { iso, numericId, type ProviderTemplate, uuidOf } from './template.js';

const AZURE_SEVERITY = { critical: 'Sev1', warning: 'Sev2', info: 'Sev3' } as const;
const GCP_SEVERITY = { critical: 'Critical', warning: 'Warning', info: 'No severity' } as const;
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

export const cloudwatchTemplate: ProviderTemplate = {
  type: 'cloudwatch',
  single: (alert) => {
    const alarmName = `${alert.env}-${alert.service}-${alert.family}-${alert.instance}`;
    const state = alert.firing ? 'ALARM' : 'OK';
    const changed = alert.firing ? alert.startedAt : alert.endedAt;
    const account = numericId(alert.key, 12);
    const message = {
      AlarmName: alarmName,
      AlarmDescription: alert.text,
      NewStateValue: state,
      NewStateReason: `Threshold Crossed: 1 datapoint was ${alert.firing ? 'greater' : 'not greater'} than the threshold (80.0).`,
      StateChangeTime: iso(changed).replace('Z', '+0000'),
      Region: alert.region,
      OldStateValue: alert.firing ? 'OK' : 'ALARM',
      Trigger: {
        MetricName: alert.family,
        Namespace: 'AWS/EC2',
        Statistic: 'AVERAGE',
        Unit: null,
        Dimensions: [{ value: alert.instance, name: 'InstanceId' }],
        Period: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 80,
      },
    };
    return {
      Type: 'Notification',
      MessageId: uuidOf(alert.key, changed),
      TopicArn: `arn:aws:sns:${alert.region}:${account}:alerts-to-alertgate`,
      Subject: `${state}: "${alarmName}" in ${alert.region}`,
      Message: JSON.stringify(message),
      Timestamp: iso(changed + 46),
    };
  },
};

export const azuremonitoringTemplate: ProviderTemplate = {
  type: 'azuremonitoring',
  single: (alert) => {
    const target = `/subscriptions/${SUBSCRIPTION}/resourcegroups/${alert.service}-rg/providers/microsoft.compute/virtualmachines/${alert.instance}`;
    return {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: {
          alertId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/${uuidOf(alert.key, 0)}`,
          alertRule: `${alert.service}-${alert.family}-${alert.instance}`,
          severity: AZURE_SEVERITY[alert.severity],
          signalType: 'Metric',
          monitorCondition: alert.firing ? 'Fired' : 'Resolved',
          monitoringService: 'Platform',
          alertTargetIDs: [target],
          firedDateTime: iso(alert.startedAt),
          ...(alert.firing ? {} : { resolvedDateTime: iso(alert.endedAt) }),
          description: alert.text,
        },
        alertContext: {
          properties: null,
          conditionType: 'SingleResourceMultipleMetricCriteria',
          condition: {
            windowSize: 'PT5M',
            allOf: [
              {
                metricName: alert.family,
                operator: 'GreaterThan',
                threshold: '85',
                timeAggregation: 'Average',
                metricValue: alert.firing ? 91.72 : 42.1,
              },
            ],
          },
        },
        customProperties: { team: alert.team, runbook: `https://runbooks.example.com/${alert.family}` },
      },
    };
  },
};

export const gcpmonitoringTemplate: ProviderTemplate = {
  type: 'gcpmonitoring',
  single: (alert) => {
    const project = `${alert.service}-${alert.env}-4411`;
    const incidentId = `0.${alert.key}`;
    return {
      incident: {
        incident_id: incidentId,
        scoping_project_id: project,
        url: `https://console.cloud.google.com/monitoring/alerting/alerts/${incidentId}?project=${project}`,
        severity: GCP_SEVERITY[alert.severity],
        started_at: Math.floor(alert.startedAt / 1000),
        ended_at: alert.firing ? null : Math.floor(alert.endedAt / 1000),
        state: alert.firing ? 'open' : 'closed',
        summary: `${alert.family} for ${alert.instance} is above the threshold.`,
        resource: {
          type: 'gce_instance',
          labels: { instance_id: numericId(alert.key, 19), zone: `${alert.region}-b` },
        },
        resource_display_name: alert.instance,
        metric: { type: `compute.googleapis.com/instance/${alert.family}`, displayName: alert.family, labels: {} },
        policy_name: `${alert.service} ${alert.family}`,
        policy_user_labels: { service: alert.service, team: alert.team },
        documentation: {
          content: alert.text,
          mime_type: 'text/markdown',
          subject: `${alert.family} on ${alert.instance}`,
        },
      },
      version: '1.2',
    };
  },
};
