/** Every scenario by name. */
import { max } from './max.js';
import { ratelimit } from './ratelimit.js';
import type { Scenario } from './scenario.js';
import { soak, spike, steady } from './steady.js';

export const SCENARIOS: Readonly<Record<string, Scenario>> = { steady, spike, soak, ratelimit, max };
