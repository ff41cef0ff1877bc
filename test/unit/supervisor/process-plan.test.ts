import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { processPlan } from '../../../src/supervisor/process-plan.js';

describe('processPlan', () => {
  it('lists the gateways, the workers and one archiver', () => {
    expect(processPlan({ gateways: 2, workers: 1 })).toEqual([
      { role: 'serve', index: 0 },
      { role: 'serve', index: 1 },
      { role: 'worker', index: 0 },
      { role: 'archive', index: 0 },
    ]);
  });

  it('sizes gateways and workers from the cores unless configured', () => {
    const cores = availableParallelism();
    const sized = loadConfig({});
    expect(sized.GATEWAY_PROCESSES).toBe(Math.ceil(cores / 2));
    expect(sized.WORKER_PROCESSES).toBe(Math.max(1, Math.floor(cores / 2)));
    const configured = loadConfig({ GATEWAY_PROCESSES: '3', WORKER_PROCESSES: '2' });
    expect(processPlan(configured.supervisor.processes).map((slot) => slot.role)).toEqual([
      'serve',
      'serve',
      'serve',
      'worker',
      'worker',
      'archive',
    ]);
    expect(() => loadConfig({ WORKER_PROCESSES: '0' })).toThrow(/WORKER_PROCESSES=0: must be >= 1/);
  });
});
