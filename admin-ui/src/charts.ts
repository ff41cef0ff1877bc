import uPlot from 'uplot';

/** Points kept per chart: five minutes at one snapshot a second. */
const WINDOW = 300;
const TIME_INCREMENTS = [1, 2, 5, 10, 15, 30, 60, 120, 300];
/** Least pixels between two time ticks: a label ("21:04:05", about 55 px) plus a gap. */
const TIME_LABEL_SPACE = 90;
/** 1, 2, 5, 10, 20, 50, … */
const COUNT_INCREMENTS = Array.from({ length: 30 }, (_, i) => ([1, 2, 5][i % 3] as number) * 10 ** Math.floor(i / 3));

/** A tick's wall-clock time; seconds only when the ticks are less than a minute apart. */
function clockLabel(epochSeconds: number, incrementSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    ...(incrementSeconds < 60 ? { second: '2-digit' } : {}),
  });
}

export interface SeriesSpec {
  label: string;
  stroke: string;
  /** Right-hand axis (second unit). */
  right?: boolean;
  format: (value: number) => string;
}

/**
 * A rolling time chart: each push appends one point per series and redraws the canvas (uPlot
 * draws on canvas, so nothing in the DOM is replaced). Resizes with its container.
 */
export class RollingChart {
  private readonly plot: uPlot;
  private readonly data: number[][];

  constructor(container: HTMLElement, series: SeriesSpec[], height = 180) {
    this.data = [[], ...series.map(() => [])];
    const axisColor = '#9aa4b2';
    const grid = { stroke: '#2a3140', width: 1 };
    const left = series.find((spec) => !spec.right);
    const right = series.find((spec) => spec.right);
    this.plot = new uPlot(
      {
        width: Math.max(300, container.clientWidth),
        height,
        legend: { live: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
          y2: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          {
            stroke: axisColor,
            grid,
            ticks: grid,
            // Whole seconds at least (not uPlot's sub-second ticks), labelled as 24-hour wall-clock
            // time, and ticks at least TIME_LABEL_SPACE apart so labels never run into each other.
            incrs: TIME_INCREMENTS,
            space: TIME_LABEL_SPACE,
            values: (_u, values, _axis, _space, increment) => values.map((v) => clockLabel(v, increment)),
          },
          {
            stroke: axisColor,
            grid,
            ticks: grid,
            size: 60,
            // Counts and rates: whole-number ticks, so small values do not repeat a rounded label.
            incrs: COUNT_INCREMENTS,
            values: (_u, values) => values.map((v) => (left ? left.format(v) : String(v))),
          },
          ...(right
            ? [
                {
                  side: 1,
                  scale: 'y2',
                  stroke: axisColor,
                  grid: { show: false },
                  size: 60,
                  values: (_u: uPlot, values: number[]) => values.map((v) => right.format(v)),
                },
              ]
            : []),
        ],
        series: [
          {},
          ...series.map((spec) => ({
            label: spec.label,
            stroke: spec.stroke,
            width: 2,
            scale: spec.right ? 'y2' : 'y',
            value: (_u: uPlot, value: number | null) => (value === null ? '—' : spec.format(value)),
          })),
        ],
      },
      this.data as uPlot.AlignedData,
      container,
    );
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(300, container.clientWidth), height })).observe(
      container,
    );
  }

  push(atMs: number, values: number[]): void {
    (this.data[0] as number[]).push(atMs / 1000);
    for (const [index, value] of values.entries()) (this.data[index + 1] as number[]).push(value);
    if ((this.data[0] as number[]).length > WINDOW) for (const column of this.data) column.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}
