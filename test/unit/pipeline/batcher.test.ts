import { describe, expect, it } from 'vitest';
import { Batcher, type FlushTrigger, ItemFailure } from '../../../src/batcher.js';

function recorder(options = { size: 3, maxSize: 6, maxWaitMs: 20 }) {
  const flushes: { items: number[]; trigger: FlushTrigger }[] = [];
  const batcher = new Batcher<number, number>(options, async (items, trigger) => {
    flushes.push({ items, trigger });
    return items.map((item) => item * 10);
  });
  return { batcher, flushes };
}

describe('Batcher', () => {
  it('flushes when the size is reached and settles each item with its own result', async () => {
    const { batcher, flushes } = recorder();
    const results = await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    expect(results).toEqual([10, 20, 30]);
    expect(flushes).toEqual([{ items: [1, 2, 3], trigger: 'size' }]);
  });

  it('flushes a partial batch after the wait bound', async () => {
    const { batcher, flushes } = recorder();
    const started = Date.now();
    expect(await batcher.add(7)).toBe(70);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(flushes).toEqual([{ items: [7], trigger: 'time' }]);
  });

  it('counts weight, not items, and grows batches under backlog up to the ceiling', async () => {
    const { batcher, flushes } = recorder();
    await Promise.all([batcher.add(1, 2), batcher.add(2, 2)]);
    expect(flushes[0]?.trigger).toBe('size');
    expect(batcher.size).toBe(5);
    await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.add(item)));
    expect(batcher.size).toBe(6);
  });

  it('runs one flush at a time, in order', async () => {
    const order: string[] = [];
    const batcher = new Batcher<number, number>({ size: 1, maxSize: 1, maxWaitMs: 5 }, async (items) => {
      order.push(`start ${items[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push(`end ${items[0]}`);
      return items;
    });
    await Promise.all([batcher.add(1), batcher.add(2)]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('rejects only the item marked as failed, and every item when the flush throws', async () => {
    const partial = new Batcher<number, number>({ size: 2, maxSize: 2, maxWaitMs: 5 }, async (items) =>
      items.map((item) => (item === 2 ? new ItemFailure(new Error('bad 2')) : item)),
    );
    const settled = await Promise.allSettled([partial.add(1), partial.add(2)]);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);

    const failing = new Batcher<number, number>({ size: 2, maxSize: 2, maxWaitMs: 5 }, async () => {
      throw new Error('database down');
    });
    const both = await Promise.allSettled([failing.add(1), failing.add(2)]);
    expect(both.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('drain flushes what is pending without waiting for the timer', async () => {
    const { batcher, flushes } = recorder({ size: 100, maxSize: 100, maxWaitMs: 60_000 });
    const pending = batcher.add(5);
    await batcher.drain();
    expect(await pending).toBe(50);
    expect(flushes).toEqual([{ items: [5], trigger: 'drain' }]);
  });
});
