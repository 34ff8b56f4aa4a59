// Sensor health: how many sensors are in each state, and the ones to look at first (browser only).
import { h, timeEl } from './dom.js';
import { HEALTH_STATES } from './state.js';

/**
 * @param {{ counts: HTMLElement, worst: HTMLElement, t: Function, fmt: import('./time.js').TimeFormat }} deps
 */
export function createHealthPanel({ counts, worst, t, fmt }) {
  /** A state this page does not know yet is shown by its name. */
  const stateLabel = (state) => {
    const label = t(`health.state.${state}`);
    return label === `health.state.${state}` ? state : label;
  };
  return {
    /** null: this server has no sensor-health route (shows "—"). */
    render(health) {
      counts.replaceChildren(
        ...HEALTH_STATES.map((state) =>
          h(
            'div',
            { class: `health-count health-${state}`, attrs: { 'data-state': state } },
            h('span', { class: 'n', text: health ? String(health.counts?.[state] ?? 0) : t('unavailable') }),
            h('span', { class: 'muted', text: stateLabel(state) }),
          ),
        ),
      );
      if (!health) {
        worst.replaceChildren(h('li', { class: 'muted unavailable', text: t('unavailable') }));
        return;
      }
      // /api/v1/sensor-health lists `worst` with the health fields on the sensor itself (state, since,
      // reasons); a /api/v1/sensors item nests them under `health`: both are read.
      const bad = (health.worst ?? []).map((s) => ({ ...s, health: s.health ?? s })).filter((s) => s.health.state && s.health.state !== 'online');
      worst.replaceChildren(
        ...(bad.length > 0
          ? bad.map((s) => {
              const reasons = (s.health.reasons ?? []).map((r) => r.detail || r.code).join('; ');
              const since = s.health.since ? h('span', { class: 'muted' }, document.createTextNode(`${t('health.since')} `), timeEl(s.health.since, fmt.dayTime(s.health.since))) : null;
              return h(
                'li',
                { attrs: { 'data-sensor-id': s.sensorId ?? s.id } },
                h('span', { class: `health-state health-${s.health.state}`, text: stateLabel(s.health.state) }),
                h('span', { class: 'name', text: s.sensorId ?? s.id, attrs: { title: reasons } }),
                since,
              );
            })
          : [h('li', { class: 'muted', text: t('health.allOk') })]),
      );
    },
  };
}
