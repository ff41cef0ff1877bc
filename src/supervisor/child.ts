import cluster from 'node:cluster';
import { registry } from '../metrics.js';
import { type ChildMessage, isMessage } from './messages.js';
import { COLLECT_TIMEOUT_MS } from './metrics-collector.js';

/** Whether this process is a child of the `all` supervisor (a node:cluster worker). */
export const underSupervisor = cluster.isWorker;

/** The supervisor's answer may take one collection round (every child's timeout) plus the merge. */
const METRICS_REQUEST_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 2000;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * Makes a supervised child ignore SIGINT (it still drains on SIGTERM). Ctrl-C sends SIGINT to the
 * whole process group, the supervisor and every child at once, and the supervisor relays it as one
 * shutdown request; were the child to act on the signal too, the relay could arrive first and the
 * signal would count as a second one, which exits without draining.
 */
export function ignoreTerminalInterrupt(): void {
  process.on('SIGINT', () => {});
}

/**
 * Hooks a started role into the supervisor: stops it (`shutdown`) when the supervisor asks, sends
 * this process's registry when the supervisor collects metrics, and reports the role ready.
 */
export function joinSupervisor(shutdown: (reason: string) => void): void {
  process.on('message', (message: unknown) => {
    if (isMessage(message, 'alertgate:shutdown')) shutdown('supervisor');
    else if (isMessage(message, 'alertgate:metrics-collect')) {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => send({ type: 'alertgate:metrics-snapshot', id: message.id, metrics }));
    }
  });
  send({ type: 'alertgate:ready' });
}

let nextRequestId = 0;
const waitingRequests = new Map<number, (reply: { text: string } | { error: string }) => void>();

function onMetricsReply(message: unknown): void {
  if (isMessage(message, 'alertgate:metrics')) waitingRequests.get(message.id)?.(message);
}

/** The supervisor could not merge every process's metrics, or did not answer in time. */
export class ClusterMetricsUnavailable extends Error {}

/**
 * Every process's metrics as the supervisor merges them (GET /metrics of a supervised gateway);
 * rejects with ClusterMetricsUnavailable when the supervisor cannot provide them.
 */
export function clusterMetricsText(): Promise<string> {
  if (waitingRequests.size === 0) process.on('message', onMetricsReply);
  const id = nextRequestId++;
  return new Promise<string>((resolve, reject) => {
    const settle = (reply: { text: string } | { error: string }) => {
      clearTimeout(timer);
      waitingRequests.delete(id);
      if (waitingRequests.size === 0) process.off('message', onMetricsReply);
      if ('text' in reply) resolve(reply.text);
      else reject(new ClusterMetricsUnavailable(`the supervisor could not merge the metrics: ${reply.error}`));
    };
    const timer = setTimeout(
      () => settle({ error: `no answer within ${METRICS_REQUEST_TIMEOUT_MS} ms` }),
      METRICS_REQUEST_TIMEOUT_MS,
    );
    waitingRequests.set(id, settle);
    send({ type: 'alertgate:metrics-request', id });
  });
}
