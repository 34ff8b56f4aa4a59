// The city summary (mean congestion, segments per LOS) and the most congested segments (browser only).
import { h, losBadge, timeEl } from './dom.js';
import { LOS_COLOURS, losOf } from './los.js';

/**
 * @param {{ t: Function, num: Function, fmt: import('./time.js').TimeFormat, segmentName: (id: string) => string,
 *   onSelect: (id: string) => void, els: Record<string, HTMLElement> }} deps
 */
export function createSummaryPanel({ t, num, fmt, segmentName, onSelect, els }) {
  return {
    render(summary, windowName) {
      els.window.replaceChildren(
        document.createTextNode(`${t('summary.window', { window: t(`window.${windowName}`) })} `),
        summary.at ? timeEl(summary.at, fmt.time(summary.at)) : document.createTextNode('–'),
      );
      els.mean.textContent = summary.meanCongestionPct === null ? '–' : `${num(summary.meanCongestionPct, 1)} %`;
      els.withData.textContent = `${summary.segmentsWithData} / ${summary.segmentsTotal}`;

      const counts = summary.losCounts;
      const max = Math.max(1, ...Object.values(counts));
      const keys = ['A', 'B', 'C', 'D', 'E', 'F', 'no_data', ...(counts.unknown ? ['unknown'] : [])];
      els.bars.replaceChildren(
        ...keys.map((key) => {
          const fill = h('span', { class: 'fill' });
          fill.style.width = `${((counts[key] ?? 0) / max) * 100}%`;
          fill.style.background = LOS_COLOURS[key] ?? LOS_COLOURS.none;
          const label = key === 'no_data' ? t('summary.noData') : key === 'unknown' ? t('summary.noLos') : t('los.level', { level: key });
          return h('div', { class: 'los-row' }, h('span', { text: label }), h('span', { class: 'track' }, fill), h('span', { text: String(counts[key] ?? 0) }));
        }),
      );

      const items = summary.mostCongested.map((r) => {
        const li = h('li', { attrs: { tabindex: 0, 'data-id': r.segmentId } }, losBadge(losOf(r)), h('span', { class: 'name', text: segmentName(r.segmentId) }), h('span', { text: `${num(r.congestionPct, 1)} %` }));
        li.addEventListener('click', () => onSelect(r.segmentId));
        li.addEventListener('keydown', (e) => e.key === 'Enter' && onSelect(r.segmentId));
        return li;
      });
      els.top.replaceChildren(...(items.length > 0 ? items : [h('li', { class: 'muted', text: t('top.empty') })]));
    },
  };
}
