import { describe, expect, it } from 'vitest';
import { runCleanups, StopError, startComponent } from '../../src/component.js';

describe('startComponent', () => {
  it('undoes registrations in reverse order, the cleanups of one registration together', async () => {
    const order: string[] = [];
    const component = await startComponent((scope) => {
      scope.onStop(() => order.push('first'));
      scope.onStop(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push('slow');
        },
        () => order.push('fast'),
      );
      scope.onStop(() => order.push('last'));
      return { name: 'c' };
    });
    expect(component.name).toBe('c');
    await component.stop();
    expect(order).toEqual(['last', 'fast', 'slow', 'first']);
  });

  it('runs every cleanup when some fail, then rejects with every failure, sub-components flattened', async () => {
    const closed: string[] = [];
    const failing = await startComponent((scope) => {
      scope.onStop(() => closed.push('inner'));
      scope.onStop(() => Promise.reject(new Error('inner close failed')));
      return {};
    });
    const outer = await startComponent((scope) => {
      scope.onStop(() => closed.push('a'));
      scope.own(failing);
      scope.onStop(() => {
        throw new Error('b failed');
      });
      scope.onStop(() => closed.push('c'));
      return {};
    });
    const error = await outer.stop().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StopError);
    expect((error as StopError).errors.map((each: Error) => each.message)).toEqual(['b failed', 'inner close failed']);
    expect(closed).toEqual(['c', 'inner', 'a']);
  });

  it('stops once however often stop is called', async () => {
    let stops = 0;
    const component = await startComponent((scope) => {
      scope.onStop(() => stops++);
      return {};
    });
    await Promise.all([component.stop(), component.stop()]);
    await component.stop();
    expect(stops).toBe(1);
  });

  it('undoes what a failed build had started and rethrows its error', async () => {
    const closed: string[] = [];
    const started = startComponent((scope) => {
      scope.onStop(() => closed.push('connection'));
      throw new Error('schema outdated');
    });
    await expect(started).rejects.toThrow('schema outdated');
    expect(closed).toEqual(['connection']);
  });
});

describe('runCleanups', () => {
  it('runs every cleanup when one fails, then rejects with the failures', async () => {
    const closed: string[] = [];
    const error = await runCleanups(
      () => closed.push('a'),
      () => Promise.reject(new Error('b failed')),
      () => closed.push('c'),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StopError);
    expect((error as StopError).errors.map((each: Error) => each.message)).toEqual(['b failed']);
    expect(closed).toEqual(['a', 'c']);
  });
});
