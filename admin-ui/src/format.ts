/** Number formatting for tiles and tables: short, fixed width where it matters. */

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function count(value: number): string {
  return Math.abs(value) < 10_000 ? String(Math.round(value)) : compact.format(value);
}

export function rate(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 10) return value.toFixed(1);
  return count(value);
}

export function bytesRate(value: number): string {
  if (value < 1024) return `${Math.round(value)} B/s`;
  if (value < 1024 ** 2) return `${(value / 1024).toFixed(1)} KB/s`;
  return `${(value / 1024 ** 2).toFixed(2)} MB/s`;
}

export function seconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return `${value.toFixed(1)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

export function percent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)}%`;
}

export function time(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}Z`;
}
