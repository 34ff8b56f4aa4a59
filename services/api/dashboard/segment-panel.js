// The selected segment's current record, field by field (browser only).
import { h, losBadge } from './dom.js';
import { losOf } from './los.js';

/**
 * @param {{ t: Function, num: Function, fmt: import('./time.js').TimeFormat, els: Record<string, HTMLElement> }} deps
 */
export function createSegmentPanel({ t, num, fmt, els }) {
  return {
    render(segment, record, windowName) {
      els.card.hidden = !segment;
      if (!segment) return;
      const r = record;
      const los = losOf(r);
      // A network file of the user's may name directions the dictionaries do not know: shown as given.
      const direction = t(`direction.${segment.direction}`);
      els.title.textContent = `${segment.road} · ${direction === `direction.${segment.direction}` ? segment.direction : direction}`;
      els.name.textContent = segment.name;
      const text = (v) => (r ? v : '–');
      const rows = [
        ['segment.los', los === 'none' ? losBadge('none', r?.status === 'no_data' ? t('segment.noData') : t('segment.unknown')) : losBadge(los)],
        ['segment.congestion', text(`${num(r?.congestionPct, 1)} %`)],
        ['segment.speed', text(t('segment.speedValue', { speed: num(r?.speedKmh, 1), free: num(segment.freeFlowKmh) }))],
        ['segment.tti', text(num(r?.tti, 2))],
        ['segment.jam', text(num(r?.jamFactor, 1))],
        ['segment.flow', text(t('segment.flowValue', { vph: num(r?.flowVph), pcu: num(r?.flowPcuph) }))],
        ['segment.density', text(t('segment.densityValue', { k: num(r?.densityPcuPerKmLane, 1) }))],
        ['segment.occupancy', r && r.occupancy !== null ? `${num(r.occupancy * 100, 1)} %` : '–'],
        ['segment.sensors', text(t('segment.sensorsValue', { reporting: r?.sensorsReporting, known: r?.sensorsKnown }))],
        ['segment.lastReading', r ? fmt.time(r.lastReadingAt) : '–'],
        ['segment.window', r ? `${t(`window.${r.window}`)}: ${fmt.time(r.from)} – ${fmt.time(r.to)}` : t(`window.${windowName}`)],
        ['segment.road', t('segment.roadValue', { kind: t(`kind.${segment.kind}`), lanes: segment.lanes, length: num(segment.lengthM) })],
      ];
      els.record.replaceChildren(
        ...rows.flatMap(([key, value]) => [h('dt', { text: t(key) }), typeof value === 'string' ? h('dd', { text: value }) : h('dd', {}, value)]),
      );
    },
  };
}
