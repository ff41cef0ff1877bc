import type { Logger } from 'pino';
import { type Component, startComponent } from '../component.js';
import { registry } from '../metrics.js';
import { ProcessStatsPublisher } from '../observe/process-stats.js';
import type { Services } from './services.js';

/** Shares this process's counters through Redis for the admin page and self-alerts (every role). */
export function startStatsSharing(services: Services, log: Logger): Promise<Component> {
  const { config } = services;
  return startComponent(async (scope) => {
    const publisher = new ProcessStatsPublisher(
      services.redis,
      registry,
      {
        prefix: config.QUEUE_PREFIX,
        ...config.observe.statsSharing,
        role: String(log.bindings().role ?? 'alertgate'),
      },
      log,
    );
    await publisher.start();
    scope.onStop(() => publisher.stop());
    return {};
  });
}
