// A segment's last hours: speed, PCU flow and level of service per bucket, drawn with uPlot
// (served by this server from the npm package, loaded as the global `uPlot` before the modules).
// historySeries is pure; the chart itself needs a browser.
import { losOfRank, losRank, LOS_COLOURS } from './los.js';

export const CHART_HOURS = 6;
export const CHART_BUCKET = '5m';
const COLOURS = { speed: '#4ea1ff', pcu: '#c39bff', los: LOS_COLOURS.E, axis: '#8b96a3', grid: '#2a3440' };

/**
 * The history answer's records as uPlot's columns: x = each bucket's start in epoch seconds (as
 * time-series charts and InfluxDB's GROUP BY time label buckets; the current bucket is then not in
 * the future), then
 * speed (km/h), PCU flow (pcu/h) and LOS rank (A = 1 … F = 6); null where the bucket had no data
 * (uPlot leaves a gap), sorted by time.
 * @param {{ from: string, status: string, speedKmh: number | null, flowPcuph: number | null, los: string | null }[]} records
 * @returns {[number[], (number | null)[], (number | null)[], (number | null)[]]}
 */
export function historySeries(records) {
  const sorted = [...records].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  const ok = (r) => r.status === 'ok';
  return [
    sorted.map((r) => Date.parse(r.from) / 1000),
    sorted.map((r) => (ok(r) ? (r.speedKmh ?? null) : null)),
    sorted.map((r) => (ok(r) ? (r.flowPcuph ?? null) : null)),
    sorted.map((r) => (ok(r) ? losRank(r.los) : null)),
  ];
}

/** The query of the history route for the chart: the last CHART_HOURS hours to `now`. */
export function historyPath(segmentId, now = Date.now()) {
  const from = new Date(now - CHART_HOURS * 3600_000).toISOString();
  const to = new Date(now).toISOString();
  return `/segments/${encodeURIComponent(segmentId)}/history?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&bucket=${CHART_BUCKET}`;
}

/**
 * @param {{ el: HTMLElement, t: Function, num: Function, fmt: import('./time.js').TimeFormat }} deps
 */
export function createSegmentChart({ el, t, num, fmt }) {
  let plot = null;
  const uPlot = globalThis.uPlot;

  function options(width) {
    // Dots as well as lines: a bucket between two without data is a dot, not nothing.
    const points = { show: true, size: 5 };
    const axis = { stroke: COLOURS.axis, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid } };
    return {
      width,
      height: 190,
      // Ticks on the city's hours; their text from the same formatter as the rest of the page.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), fmt.timeZone),
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        speed: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil((max ?? 0) * 1.15))] },
        pcu: { range: (_u, _min, max) => [0, Math.max(100, Math.ceil((max ?? 0) * 1.15))] },
        los: { range: [0.5, 6.5] },
      },
      series: [
        { label: t('chart.time'), value: (_u, v) => (v === null ? '–' : fmt.dayTime(v * 1000)) },
        { label: t('chart.speed'), scale: 'speed', stroke: COLOURS.speed, width: 2, points, value: (_u, v) => num(v, 1) },
        { label: t('chart.pcu'), scale: 'pcu', stroke: COLOURS.pcu, width: 2, points, value: (_u, v) => num(v) },
        {
          label: t('chart.los'), scale: 'los', stroke: COLOURS.los, width: 2, dash: [6, 4],
          paths: uPlot.paths.stepped({ align: 1 }), points,
          value: (_u, v) => losOfRank(v) ?? '–',
        },
      ],
      axes: [
        { ...axis, values: (_u, splits) => splits.map((s) => fmt.hourMinute(s * 1000)) },
        { ...axis, stroke: COLOURS.speed, scale: 'speed', size: 44, values: (_u, splits) => splits.map((s) => num(s)) },
        { ...axis, stroke: COLOURS.pcu, scale: 'pcu', side: 1, size: 52, grid: { show: false }, values: (_u, splits) => splits.map((s) => num(s)) },
        { ...axis, stroke: COLOURS.los, scale: 'los', side: 1, size: 24, grid: { show: false }, splits: () => [1, 2, 3, 4, 5, 6], values: (_u, splits) => splits.map((s) => losOfRank(s) ?? '') },
      ],
    };
  }

  function width() {
    return Math.max(300, Math.floor(el.clientWidth));
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: 190 })).observe(el);

  return {
    /** Draws the records (the history route's answer); replaces any earlier chart. */
    show(records) {
      const data = historySeries(records);
      plot?.destroy();
      plot = null;
      el.replaceChildren();
      const withData = data[1].some((v) => v !== null) || data[2].some((v) => v !== null);
      el.dataset.points = String(data[0].length);
      el.dataset.lastLos = losOfRank([...data[3]].reverse().find((v) => v !== null) ?? NaN) ?? '';
      if (!withData) {
        el.textContent = t('chart.empty');
        return;
      }
      plot = new uPlot(options(width()), data, el);
    },
    message(text) {
      plot?.destroy();
      plot = null;
      delete el.dataset.points;
      delete el.dataset.lastLos;
      el.textContent = text;
    },
  };
}
