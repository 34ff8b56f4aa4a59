// The road network as SVG, each directed segment coloured by its level of service (browser only).
import { h } from './dom.js';
import { LOS_COLOURS, losOf } from './los.js';
import { projectNetwork, roadLabels } from './map-projection.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {{ svg: SVGSVGElement, tooltip: HTMLElement, legend: HTMLElement, t: Function, num: Function,
 *   onSelect: (id: string) => void }} deps
 */
export function createMap({ svg, tooltip, legend, t, num, onSelect }) {
  let segments = [];
  let byId = new Map();
  let paths = new Map();
  let records = new Map();
  let selected = null;
  let alerted = new Set();
  /** segmentId → end of the last window close the live stream reported for it (data-live-to). */
  const liveTo = new Map();

  function draw() {
    const rect = svg.getBoundingClientRect();
    const width = Math.max(200, Math.round(rect.width));
    const height = Math.max(200, Math.round(rect.height));
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const projected = projectNetwork(segments, width, height);
    const roads = svgEl('g', { class: 'roads' });
    for (const p of projected) roads.append(svgEl('path', { class: 'seg', 'data-id': p.id, d: p.d }));
    const labels = svgEl('g', { class: 'labels' });
    for (const l of roadLabels(segments, projected)) labels.append(svgEl('text', { class: 'road-label', x: l.x.toFixed(1), y: l.y.toFixed(1) }, l.text));
    svg.replaceChildren(roads, labels);
    paths = new Map([...svg.querySelectorAll('path.seg')].map((el) => [el.dataset.id, el]));
    for (const id of paths.keys()) paint(id);
  }

  function paint(id) {
    const el = paths.get(id);
    if (!el) return;
    const los = losOf(records.get(id));
    el.setAttribute('stroke', LOS_COLOURS[los]);
    el.dataset.los = los;
    el.classList.toggle('selected', id === selected);
    el.classList.toggle('alerted', alerted.has(id));
    if (liveTo.has(id)) el.dataset.liveTo = liveTo.get(id);
  }

  svg.addEventListener('pointermove', (e) => {
    const id = e.target.closest?.('path.seg')?.dataset.id;
    const segment = id && byId.get(id);
    if (!segment) {
      tooltip.hidden = true;
      return;
    }
    const record = records.get(id);
    const los = losOf(record);
    tooltip.replaceChildren(
      h('strong', { text: segment.name }),
      h('span', { text: `${t('los.title')}: ${los === 'none' ? t('segment.noData') : los}` }),
      h('span', { text: `${t('segment.congestion')}: ${record ? `${num(record.congestionPct, 1)} %` : '–'}` }),
      h('span', { text: `${t('segment.speed')}: ${record ? `${num(record.speedKmh, 1)} km/h` : '–'}` }),
    );
    const box = svg.parentElement.getBoundingClientRect();
    tooltip.style.left = `${Math.min(e.clientX - box.left + 14, box.width - 260)}px`;
    tooltip.style.top = `${Math.min(e.clientY - box.top + 14, box.height - 90)}px`;
    tooltip.hidden = false;
  });
  svg.addEventListener('pointerleave', () => (tooltip.hidden = true));
  svg.addEventListener('click', (e) => {
    const id = e.target.closest?.('path.seg')?.dataset.id;
    if (id) onSelect(id);
  });

  legend.replaceChildren(
    ...['A', 'B', 'C', 'D', 'E', 'F', 'none'].map((los) => {
      const text = { A: t('legend.A'), F: t('legend.F'), none: t('legend.none') }[los] ?? los;
      const swatch = h('i');
      swatch.style.background = LOS_COLOURS[los];
      return h('li', {}, swatch, document.createTextNode(text));
    }),
  );

  let resizeTimer;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => segments.length > 0 && draw(), 100);
  }).observe(svg);

  return {
    setSegments(list) {
      segments = list;
      byId = new Map(list.map((s) => [s.id, s]));
      draw();
    },
    /** The records to colour by (segmentId → record); repaints every segment. */
    setRecords(map) {
      records = map;
      for (const id of paths.keys()) paint(id);
    },
    setSelected(id) {
      selected = id;
      for (const key of paths.keys()) paint(key);
    },
    /** Segments with an active alert get a pulsing outline. */
    setAlerted(ids) {
      alerted = new Set(ids);
      for (const key of paths.keys()) paint(key);
    },
    /** A record came in on the live stream: note its window end on the segment and repaint it. */
    live(record) {
      liveTo.set(record.segmentId, record.to);
      paint(record.segmentId);
    },
    paint,
  };
}
