// Congestion alerts: active ones (with an acknowledge button) and the recently cleared (browser only).
// The model (which alerts, in which order) comes from state.js; this only draws it.
import { h, losBadge, timeEl } from './dom.js';

/**
 * @param {{ el: HTMLElement, count: HTMLElement, t: Function, num: Function, fmt: import('./time.js').TimeFormat,
 *   segmentName: (id: string) => string, onAck: (alert: object) => Promise<void>, onSelect: (id: string) => void }} deps
 */
export function createAlertsPanel({ el, count, t, num, fmt, segmentName, onAck, onSelect }) {
  function item(alert) {
    const active = alert.state === 'active';
    const los = (active ? alert.lastLos : null) ?? alert.level;
    const peak = alert.peakCongestionPct === null || alert.peakCongestionPct === undefined
      ? t('alerts.peak', { los: alert.peakLos })
      : t('alerts.peakPct', { los: alert.peakLos, pct: num(alert.peakCongestionPct, 0) });
    const when = active
      ? h('span', {}, document.createTextNode(`${t('alerts.raised')} `), timeEl(alert.raisedAt, fmt.time(alert.raisedAt)))
      : h('span', {}, document.createTextNode(`${t('alerts.cleared')} `), timeEl(alert.clearedAt, fmt.time(alert.clearedAt)));
    const name = h('button', { class: 'link name', text: segmentName(alert.segmentId), attrs: { type: 'button' } });
    name.addEventListener('click', () => onSelect(alert.segmentId));

    let action = null;
    if (alert.acknowledgedAt) {
      const text = alert.acknowledgedBy
        ? t('alerts.ackedBy', { time: fmt.time(alert.acknowledgedAt), by: alert.acknowledgedBy })
        : t('alerts.acked', { time: fmt.time(alert.acknowledgedAt) });
      action = h('span', { class: 'acked', text: `✓ ${text}` });
    } else if (active) {
      action = h('button', { class: 'ack', text: t('alerts.ack'), attrs: { type: 'button', 'data-alert-id': alert.id } });
      action.addEventListener('click', async () => {
        action.disabled = true;
        try {
          await onAck(alert);
        } finally {
          action.disabled = false;
        }
      });
    }
    return h(
      'li',
      { class: `alert alert-${alert.state}${alert.acknowledgedAt ? ' alert-acked' : ''}`, attrs: { 'data-alert-id': alert.id, 'data-segment-id': alert.segmentId } },
      losBadge(los),
      h('div', { class: 'alert-body' }, name, h('span', { class: 'muted' }, when, document.createTextNode(` · ${peak}`)), action),
    );
  }

  return {
    /** null: this server has no alerts route (shows "—"). */
    render(view) {
      if (view === null) {
        count.textContent = '';
        el.replaceChildren(h('li', { class: 'muted unavailable', text: t('unavailable') }));
        return;
      }
      count.textContent = view.active.length > 0 ? t('alerts.activeCount', { count: view.active.length }) : '';
      const items = [...view.active, ...view.recent].map(item);
      el.replaceChildren(...(items.length > 0 ? items : [h('li', { class: 'muted', text: t('alerts.none') })]));
    },
  };
}
