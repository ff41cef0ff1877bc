/** Small DOM helpers that update in place, so a page refreshed every second never flickers. */

/** The element with this id; throws if the page lacks it (a build mismatch, not a user error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing from the page`);
  return element as T;
}

/** Sets text only when it changed (no layout work otherwise). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets or removes a data attribute only when it changed (CSS colours follow it). */
export function setState(element: HTMLElement, name: string, value: string | null): void {
  const current = element.dataset[name] ?? null;
  if (current === value) return;
  if (value === null) delete element.dataset[name];
  else element.dataset[name] = value;
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

/** A cell's content: text, plus an optional state for colouring (`ok`, `warn`, `bad`). */
export type Cell = string | { text: string; state?: string | null };

/**
 * A table body whose rows are keyed: each update changes only the cells whose text changed, adds
 * rows for new keys, removes rows for gone keys and keeps the given order.
 */
export class KeyedTable<T> {
  private readonly rows = new Map<string, { row: HTMLTableRowElement; cells: HTMLTableCellElement[] }>();

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly columns: number,
    private readonly keyOf: (item: T) => string,
    private readonly cellsOf: (item: T) => Cell[],
    /** Appends extra cells to a new row (e.g. an action button); called once per row. */
    private readonly decorate?: (row: HTMLTableRowElement, item: T) => void,
  ) {}

  update(items: readonly T[]): void {
    const seen = new Set<string>();
    let previous: HTMLTableRowElement | null = null;
    for (const item of items) {
      const key = this.keyOf(item);
      seen.add(key);
      let entry = this.rows.get(key);
      if (!entry) {
        const row = element('tr', { 'data-key': key });
        const cells = Array.from({ length: this.columns }, () => row.appendChild(element('td')));
        entry = { row, cells };
        this.rows.set(key, entry);
        this.decorate?.(row, item);
      }
      this.cellsOf(item).forEach((cell, index) => {
        const td = entry.cells[index];
        if (!td) return;
        const { text, state } = typeof cell === 'string' ? { text: cell, state: null } : cell;
        setText(td, text);
        setState(td, 'state', state ?? null);
      });
      const expectedNext: ChildNode | null = previous ? previous.nextSibling : this.body.firstChild;
      if (expectedNext !== entry.row) this.body.insertBefore(entry.row, expectedNext);
      previous = entry.row;
    }
    for (const [key, entry] of this.rows)
      if (!seen.has(key)) {
        entry.row.remove();
        this.rows.delete(key);
      }
  }
}
