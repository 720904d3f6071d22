// Time charts with uPlot. Each chart reads a short series (one point per day or hour, from
// the rollups), never raw rows, so it draws as fast on a ledger of millions of rows as on ten.
// The plotted arrays are written onto the chart's element (data-plotted) straight from
// uPlot's own data, so a test can check that what is drawn adds up to what the API said.
import uPlot from 'uplot';
import { h } from './dom.js';

const HEIGHT = 220;
const GRID = { stroke: '#e8eaee', width: 1 };
const AXIS = { stroke: '#6b7280', grid: GRID, ticks: { show: false }, font: '11px system-ui, sans-serif' };

function seriesOptions(s) {
  const base = { label: s.label, stroke: s.color, width: 2, value: (u, v) => (v === null ? '–' : s.format(v)) };
  if (s.kind === 'bars')
    return { ...base, width: 0, fill: s.color, paths: uPlot.paths.bars({ size: [0.7, 48], align: 0 }), points: { show: false } };
  return { ...base, fill: `${s.color}14`, points: { show: false } };
}

// spec: {x: [unix seconds], series: [{label, values, color, kind: 'bars'|'line', format}],
//        yFormat: value => axis label, pad: seconds of room either side (half a bar's slot)}
function options(spec, width) {
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true, range: (u, min, max) => [min - spec.pad, max + spec.pad] }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [AXIS, { ...AXIS, size: 64, values: (u, splits) => splits.map(spec.yFormat) }],
    series: [{ label: 'Day (UTC)', value: (u, ts) => (ts === null ? '–' : new Date(ts * 1000).toISOString().slice(0, 10)) }, ...spec.series.map(seriesOptions)],
  };
}

// Builds the chart inside `holder`, which must already be in the page (uPlot measures it).
export function timeChart(holder, spec) {
  const data = [spec.x, ...spec.series.map((s) => s.values)];
  const plot = new uPlot(options(spec, holder.clientWidth || 600), data, holder);
  holder.dataset.plotted = JSON.stringify({ labels: plot.series.slice(1).map((s) => s.label), data: plot.data });
  new ResizeObserver(() => {
    const width = holder.clientWidth;
    if (width && width !== plot.width) plot.setSize({ width, height: HEIGHT });
  }).observe(holder);
  return plot;
}

export function chartCard(id, title, subtitle) {
  const holder = h('div', { class: 'chart', id });
  return { el: h('section', { class: 'card chart-card' }, h('header', {}, h('h3', {}, title), subtitle && h('small', {}, subtitle)), holder), holder };
}
