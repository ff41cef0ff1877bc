/**
 * The same alerts for every system `bench:peers` compares: Alertmanager webhooks from the generator
 * (one alert or groups of ten, ~1 KB per alert, no re-sends), or the same alerts in Prometheus's
 * alert list for Alertmanager's own API. Rendering a request costs the generator 50–500 µs, as much
 * as a bare route spends answering it, so a pool is rendered up front and replayed in laps; each lap
 * stamps its number into every alert's identity (instance label, fingerprint) so no alert repeats,
 * at the cost of a string replace per request.
 */
import { AlertGenerator, type GeneratedRequest, type RequestStream } from '../generator/generator.js';

/** Alerts rendered up front per stream (~10 MB of bodies). */
const POOL_ALERTS = 10_000;

export interface PeerRequestOptions {
  alertsPerRequest: number;
  tenants: number;
  keysPerTenant: number;
}

/** Webhook bodies for `POST /alerts/event/prometheus`. */
export function webhookRequests(options: PeerRequestOptions): RequestStream {
  return replay(renderPool(options));
}

/** The same alerts as `webhookRequests`, as Prometheus posts them to `POST /api/v2/alerts`. */
export function alertmanagerApiRequests(options: PeerRequestOptions): RequestStream {
  return replay(
    renderPool(options).map((request) => ({
      ...request,
      path: '/api/v2/alerts',
      body: JSON.stringify(
        (JSON.parse(request.body) as { alerts: WebhookAlert[] }).alerts.map((alert) => ({
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: alert.startsAt,
          // Alertmanager's zero time marks a firing alert in webhooks; Prometheus leaves it out.
          ...(alert.status === 'resolved' ? { endsAt: alert.endsAt } : {}),
          generatorURL: alert.generatorURL,
        })),
      ),
    })),
  );
}

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

function renderPool({ alertsPerRequest, tenants, keysPerTenant }: PeerRequestOptions): GeneratedRequest[] {
  const generator = new AlertGenerator({
    // One stream per request shape: the 1- and 10-alert streams share no alert.
    seed: alertsPerRequest,
    tenants,
    keysPerTenant,
    mix: { prometheus: 1 },
    duplicateRatio: 0,
    flapRatio: 0,
    stormProbability: 0,
    alertsPerRequest,
    size: { median: 1024, p99: 1536, max: 4096 },
  });
  return Array.from({ length: Math.ceil(POOL_ALERTS / alertsPerRequest) }, () => generator.next());
}

function replay(pool: GeneratedRequest[]): RequestStream {
  let seq = 0;
  return {
    next() {
      const lap = Math.floor(seq / pool.length);
      const request = pool[seq % pool.length] as GeneratedRequest;
      seq++;
      return { ...request, seq, body: lap === 0 ? request.body : stamp(request.body, lap) };
    },
  };
}

/** Every alert of `body` made new: its instance label and fingerprint (if any) prefixed with the lap. */
function stamp(body: string, lap: number): string {
  return body.replaceAll('"instance":"', `"instance":"${lap}-`).replaceAll('"fingerprint":"', `"fingerprint":"${lap}-`);
}
