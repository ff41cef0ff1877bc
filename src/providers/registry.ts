import { Compile } from 'typebox/compile';
import type { ProviderAdapter } from './adapter.js';

/** An adapter with its payload schema compiled once. */
export interface RegisteredProvider {
  adapter: ProviderAdapter;
  check(payload: unknown): boolean;
  /** First schema violation as (JSON pointer, message), or null. */
  firstError(payload: unknown): { path: string; message: string } | null;
}

/** Looks providers up by type or alias. */
export class ProviderRegistry {
  private readonly byName = new Map<string, RegisteredProvider>();

  constructor(adapters: readonly ProviderAdapter[]) {
    for (const adapter of adapters) {
      const compiled = Compile(adapter.schema);
      const entry: RegisteredProvider = {
        adapter,
        check: (payload) => compiled.Check(payload),
        firstError: (payload) => {
          for (const error of compiled.Errors(payload)) return { path: error.instancePath, message: error.message };
          return null;
        },
      };
      for (const name of [adapter.type, ...(adapter.aliases ?? [])]) {
        if (this.byName.has(name)) throw new Error(`provider name "${name}" registered twice`);
        this.byName.set(name, entry);
      }
    }
  }

  get(name: string): RegisteredProvider | undefined {
    return this.byName.get(name);
  }

  /** Primary type names, sorted. */
  types(): string[] {
    return [...new Set([...this.byName.values()].map((entry) => entry.adapter.type))].sort();
  }

  adapters(): ProviderAdapter[] {
    return [...new Set([...this.byName.values()].map((entry) => entry.adapter))].sort((a, b) =>
      a.type.localeCompare(b.type),
    );
  }
}
