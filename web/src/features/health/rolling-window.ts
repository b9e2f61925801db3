import { type Stats } from './api';

/** Columns for uPlot: one array per series, times in seconds since the epoch. */
export interface StatsSeries {
  times: number[];
  completedPerSecond: number[];
  p99Ms: (number | null)[];
}

export const EMPTY_SERIES: StatsSeries = { times: [], completedPerSecond: [], p99Ms: [] };

/** `series` with `sample` appended, keeping only the last `size` points (a 2 s poll × 150 = 5 minutes). */
export function appendSample(series: StatsSeries, sample: Stats, size = 150): StatsSeries {
  const keep = <T>(values: T[], value: T) => [...values, value].slice(-size);
  return {
    times: keep(series.times, Date.parse(sample.at) / 1000),
    completedPerSecond: keep(series.completedPerSecond, sample.completedPerSecond),
    p99Ms: keep(series.p99Ms, sample.completedP99Ms),
  };
}
