import { writeFileSync } from 'node:fs';

import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import type * as VegaLiteModule from 'vega-lite' with { 'resolution-mode': 'import' };

import { ARM_LABELS, ARMS, type RateMeasurement } from './measurement';

type VegaLite = typeof VegaLiteModule;
export type TopLevelSpec = Parameters<VegaLite['compile']>[0];

/**
 * vega and vega-lite 6 are ES modules only (vega-canvas awaits at top level), so they are imported, not
 * required; the specifier sits in a variable because this repository resolves types the CommonJS way,
 * which cannot see vega-lite's, and the type above names them instead.
 */
const VEGA_LITE = 'vega-lite';

/** System fonts, as resvg finds them; DejaVu Sans where the SVG asks for the generic sans-serif family. */
const FONTS: ResvgRenderOptions['font'] = {
  loadSystemFonts: true,
  defaultFontFamily: 'DejaVu Sans',
  sansSerifFamily: 'DejaVu Sans',
};

/** A PNG without text is no chart; resvg draws no glyphs, silently, when it finds no font at all. */
function checkFontsRender(): void {
  const probe = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="15">Ag</text></svg>';
  if (new Resvg(probe, { font: FONTS }).getBBox() === undefined) {
    throw new Error(
      'resvg found no system font to draw text with; install one, e.g. apt-get install -y fonts-dejavu-core',
    );
  }
}

/**
 * Draws completed/s and p99 latency against the offered rate, service against both baselines; writes
 * the PNG to `path`.
 */
export async function plotLoad(path: string, measurements: RateMeasurement[], title: string): Promise<void> {
  const values = measurements.map((measurement) => ({
    arm: ARM_LABELS[measurement.arm],
    offeredRate: measurement.offeredRate,
    completedPerSecond: measurement.completedPerSecond,
    p99Ms: measurement.latencyMs.p99,
  }));
  const rates = [...new Set(values.map((value) => value.offeredRate))];
  const x = { field: 'offeredRate', type: 'quantitative', title: 'offered rate (arrivals/s)' } as const;
  const arms = ARMS.map((arm) => ARM_LABELS[arm]);
  const color = {
    field: 'arm',
    type: 'nominal',
    title: null,
    scale: { domain: arms, range: ['#d62728', '#1f77b4', '#2ca02c'] },
    legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600, labelFontSize: 12 },
  } as const;
  const spec: TopLevelSpec = {
    title: {
      text: title,
      subtitle: 'latency: submit → COMPLETED in PostgreSQL (service, raw chain), start → close in Temporal (ceiling)',
      fontSize: 14,
    },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    data: { values },
    hconcat: [
      {
        width: 380,
        height: 280,
        title: 'completed/s (dashed: offered)',
        layer: [
          {
            data: { values: rates.map((rate) => ({ offeredRate: rate, completedPerSecond: rate })) },
            mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
            encoding: { x, y: { field: 'completedPerSecond', type: 'quantitative' } },
          },
          {
            mark: { type: 'line', point: true },
            encoding: { x, y: { field: 'completedPerSecond', type: 'quantitative', title: 'completed/s' }, color },
          },
        ],
      },
      {
        width: 380,
        height: 280,
        title: 'p99 latency (log scale)',
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'p99Ms', type: 'quantitative', title: 'p99 (ms)', scale: { type: 'log' } },
          color,
        },
      },
    ],
  };
  await renderChart(path, spec);
}

/** Renders a vega-lite chart to SVG by vega and to PNG by resvg, and writes it to `path`. */
export async function renderChart(path: string, spec: TopLevelSpec): Promise<void> {
  checkFontsRender();
  const vega = await import('vega');
  const { compile } = (await import(VEGA_LITE)) as VegaLite;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG(2);
    writeFileSync(path, new Resvg(svg, { font: FONTS, background: 'white' }).render().asPng());
  } finally {
    view.finalize();
  }
}
