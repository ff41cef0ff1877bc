import { describe, expect, it } from 'vitest';
import { bindingOf, CursorError, createCursorCodec } from '../../../src/search/cursor.js';

const codec = createCursorCodec('s'.repeat(40));
const state = {
  position: { receivedAt: 1_790_000_000_123, id: '0b0e8c2e-51a4-4a53-8c39-3d2c1a9f0e11' },
  window: { from: 1_789_900_000_000, to: 1_790_000_100_000 },
  counts: { total: { value: 1000, relation: 'gte' as const }, hits: { postgres: 1000, elasticsearch: 12 } },
  binding: bindingOf({ tenant: 'a', severities: ['high'] }),
};

describe('search cursor', () => {
  it('round-trips position, window, counts and binding', () => {
    expect(codec.decode(codec.encode(state), state.binding)).toEqual(state);
  });

  it('is accepted by another instance with the same secret', () => {
    expect(createCursorCodec('s'.repeat(40)).decode(codec.encode(state), state.binding)).toEqual(state);
  });

  it('refuses a cursor signed with another secret', () => {
    const foreign = createCursorCodec('t'.repeat(40)).encode(state);
    expect(() => codec.decode(foreign, state.binding)).toThrow(/altered or not issued/);
  });

  it('refuses any change to the payload', () => {
    const [payload, mac] = codec.encode(state).split('.') as [string, string];
    const changed = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('1790000000123', '1790000000124'),
    ).toString('base64url');
    expect(() => codec.decode(`${changed}.${mac}`, state.binding)).toThrow(CursorError);
  });

  it('refuses any change to the text, also one that decodes to the same bytes', () => {
    const token = codec.encode(state);
    const last = token.at(-1) as string;
    // The MAC's 32 bytes leave 2 spare bits in its last character: a neighbour decodes the same.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(sameBytes.split('.')[1] as string, 'base64url')).toEqual(
      Buffer.from(token.split('.')[1] as string, 'base64url'),
    );
    for (const changed of [`${token}!!`, `${token}=`, `${token.slice(0, 10)} ${token.slice(10)}`, sameBytes])
      expect(() => codec.decode(changed, state.binding)).toThrow(CursorError);
  });

  it('refuses a cursor issued for another binding (tenant or filters)', () => {
    const other = bindingOf({ tenant: 'b', severities: ['high'] });
    expect(() => codec.decode(codec.encode(state), other)).toThrow(/different query or tenant/);
  });

  it('refuses garbage', () => {
    for (const token of ['', 'abc', 'a.b.c', '.', `${Buffer.from('{}').toString('base64url')}.x`])
      expect(() => codec.decode(token, state.binding)).toThrow(CursorError);
  });

  it('binds to content, not key order', () => {
    expect(bindingOf({ a: 1, b: [1, 2] })).toBe(bindingOf({ b: [1, 2], a: 1 }));
    expect(bindingOf({ a: 1 })).not.toBe(bindingOf({ a: 2 }));
  });
});
