import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TimeSeriesChartProps {
  /** Names the chart for screen readers, which get the latest figures as text beside it. */
  title: string;
  /** Seconds since the epoch. */
  times: number[];
  values: (number | null)[];
  unit: string;
  color: string;
}

/** One series over time, drawn by uPlot; the chart is redrawn in place as new points arrive. */
export function TimeSeriesChart({ title, times, values, unit, color }: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!container.current) return;
    plot.current = new uPlot(
      {
        width: 560,
        height: 220,
        series: [{}, { label: `${title} (${unit})`, stroke: color, width: 2, spanGaps: false }],
        axes: [{}, { label: unit }],
        scales: { x: { time: true } },
      },
      [[], []],
      container.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [title, unit, color]);

  useEffect(() => {
    plot.current?.setData([times, values]);
  }, [times, values]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={`${title} over the last minutes`} />
    </figure>
  );
}
