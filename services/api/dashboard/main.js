// roadpulse dashboard: plain ES modules, no framework, no build step, nothing loaded from outside
// this server (control rooms often have no internet). This module wires the parts together:
//   api.js (fetch + live stream) → state.js (rules) → map.js and the panels (drawing).
// Data: GET segments (the map), congestion/summary and congestion (colours, city panel, most
// congested) every 30 s, alerts and sensor-health every 30 s, the congestion/stream events
// (`congestion` records, `alert` raise/ack/clear) live, and a segment's record and history when picked.
import { createAlertsPanel } from './alerts-panel.js';
import { createApi, KeyRequired, loadSettings, NotAvailable } from './api.js';
import { byId, timeEl } from './dom.js';
import { numberFormat } from './format.js';
import { createHealthPanel } from './health-panel.js';
import { pickLanguage, translator } from './i18n.js';
import { createMap } from './map.js';
import { CHART_BUCKET, CHART_HOURS, createSegmentChart, historyPath } from './segment-chart.js';
import { createSegmentPanel } from './segment-panel.js';
import { alertsView, mergeAlerts, mergeRanking, pickWindow } from './state.js';
import { createSummaryPanel } from './summary-panel.js';
import { createTimeFormat } from './time.js';

const POLL_MS = 30_000;
/** A window close publishes every segment's record at once: refresh the summary once after the burst. */
const AFTER_RECORDS_MS = 1_500;
const RETRY_MS = 5_000;
const WINDOW_STORAGE = 'roadpulse.window';

const settings = await loadSettings();
const lang = pickLanguage(location.search);
const t = translator(lang);
const num = numberFormat(lang);
const fmt = createTimeFormat(settings.timeZone);

const state = {
  window: pickWindow(location.search, localStorage.getItem(WINDOW_STORAGE)),
  segments: [],
  byId: new Map(),
  /** segmentId → latest record of the selected window. */
  records: new Map(),
  selected: null,
  /** alert id → alert; null while this server has no alerts route. */
  alerts: new Map(),
  alertsAvailable: true,
  stream: null,
};

// --- Words and times of the page.
document.documentElement.lang = lang;
document.title = t('page.title');
for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
byId('timezone').textContent = t('timezone.label', { zone: fmt.timeZone, offset: fmt.offset() });
const otherLang = new URLSearchParams(location.search);
otherLang.set('lang', lang === 'vi' ? 'en' : 'vi');
byId('lang-switch').setAttribute('href', `?${otherLang}`);

const segmentName = (id) => state.byId.get(id)?.name ?? id;

// --- API key: asked for when the server answers 401, kept in localStorage.
const api = createApi({ onKeyRequired: () => showKeyForm() });
function showKeyForm() {
  byId('key-form').hidden = false;
  byId('key-input').value = api.key;
  setLive('offline', t('live.keyNeeded'));
}
byId('key-button').addEventListener('click', () => {
  byId('key-form').hidden = !byId('key-form').hidden;
  byId('key-input').value = api.key;
});
byId('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  api.setKey(byId('key-input').value);
  byId('key-form').hidden = true;
  boot();
});
byId('key-forget').addEventListener('click', () => {
  api.setKey('');
  byId('key-input').value = '';
});

function showError(err, key = 'error.api') {
  const el = byId('error');
  if (err instanceof KeyRequired) return;
  el.hidden = !err;
  if (err) el.textContent = t(key, { message: err.message ?? String(err) });
}

// --- Parts of the page.
const map = createMap({ svg: byId('map'), tooltip: byId('tooltip'), legend: byId('legend'), t, num, onSelect: select });
const summaryPanel = createSummaryPanel({
  t, num, fmt, segmentName, onSelect: select,
  els: { window: byId('summary-window'), mean: byId('mean-congestion'), withData: byId('with-data'), bars: byId('los-bars'), top: byId('top-list') },
});
const segmentPanel = createSegmentPanel({
  t, num, fmt, els: { card: byId('segment-card'), title: byId('segment-title'), name: byId('segment-name'), record: byId('segment-record') },
});
const alertsPanel = createAlertsPanel({ el: byId('alerts-list'), count: byId('alerts-count'), t, num, fmt, segmentName, onAck: acknowledge, onSelect: select });
const healthPanel = createHealthPanel({ counts: byId('health-counts'), worst: byId('health-worst'), t, fmt });
const chart = createSegmentChart({ el: byId('chart'), t, num, fmt });
byId('chart-close').addEventListener('click', () => select(null));

// --- Selected segment: its record and its chart.
async function select(id) {
  state.selected = id;
  map.setSelected(id);
  renderSegment();
  byId('chart-card').hidden = !id;
  if (!id) return;
  const segment = state.byId.get(id);
  byId('chart-title').textContent = `${segment?.name ?? id} — ${t('chart.title', { hours: CHART_HOURS, bucket: t(`window.${CHART_BUCKET}`) })}`;
  chart.message(t('chart.loading'));
  await Promise.all([loadRecord(id), loadChart(id)]);
}

async function loadRecord(id) {
  try {
    const record = await api.getJson(`/segments/${encodeURIComponent(id)}/congestion?window=${state.window}`);
    if (record.window === state.window && state.selected === id) {
      state.records.set(id, record);
      map.paint(id);
      renderSegment();
    }
  } catch (err) {
    showError(err);
  }
}

async function loadChart(id) {
  try {
    const history = await api.getJson(historyPath(id));
    if (state.selected === id) chart.show(history.records);
  } catch (err) {
    if (state.selected === id) chart.message(t('chart.empty'));
    showError(err);
  }
}

function renderSegment() {
  segmentPanel.render(state.selected ? state.byId.get(state.selected) : null, state.records.get(state.selected), state.window);
}

// --- Summary and ranking.
async function refresh() {
  const windowName = state.window;
  try {
    const [summary, ranking] = await Promise.all([
      api.getJson(`/congestion/summary?window=${windowName}&top=10`),
      api.getJson(`/congestion?window=${windowName}&limit=1000`),
    ]);
    if (windowName !== state.window) return;
    state.records = mergeRanking(state.records, ranking.records);
    map.setRecords(state.records);
    summaryPanel.render(summary, windowName);
    renderSegment();
    const now = new Date().toISOString();
    byId('updated').replaceChildren(timeEl(now, t('updated', { time: fmt.time(now) })));
    showError(null);
  } catch (err) {
    showError(err);
  }
}

// --- Alerts and sensor health: "—" where this server has no such route.
function renderAlerts() {
  if (!state.alertsAvailable) {
    alertsPanel.render(null);
    map.setAlerted([]);
    return;
  }
  const view = alertsView(state.alerts);
  alertsPanel.render(view);
  map.setAlerted(view.active.map((a) => a.segmentId));
}

async function refreshAlerts() {
  try {
    const [active, recent] = await Promise.all([api.getOptional('/alerts?state=active'), api.getOptional('/alerts?state=recent')]);
    state.alertsAvailable = active !== null || recent !== null;
    state.alerts = mergeAlerts(state.alerts, [...(active?.alerts ?? []), ...(recent?.alerts ?? [])]);
  } catch (err) {
    showError(err);
  }
  renderAlerts();
}

async function acknowledge(alert) {
  try {
    const updated = await api.postJson(`/alerts/${encodeURIComponent(alert.id)}/ack`, {});
    state.alerts = mergeAlerts(state.alerts, [updated]);
    renderAlerts();
    showError(null);
  } catch (err) {
    if (err instanceof NotAvailable) await refreshAlerts();
    else showError(err, 'error.ack');
  }
}

async function refreshHealth() {
  try {
    healthPanel.render(await api.getOptional('/sensor-health'));
  } catch (err) {
    healthPanel.render(null);
    showError(err);
  }
}

// --- Live stream: congestion records as windows close, alerts as they are raised, acknowledged, cleared.
function setLive(name, text) {
  const el = byId('live');
  el.dataset.state = name;
  el.textContent = text ?? t(`live.${name}`);
}

let afterRecords = null;
function onRecord(record) {
  if (record.window !== state.window) return;
  state.records.set(record.segmentId, record);
  map.live(record);
  if (record.segmentId === state.selected) renderSegment();
  clearTimeout(afterRecords);
  afterRecords = setTimeout(() => {
    refresh();
    if (state.selected) loadChart(state.selected);
  }, AFTER_RECORDS_MS);
}

function onAlertEvent(data) {
  if (!data || !data.alert) return;
  state.alertsAvailable = true;
  state.alerts = mergeAlerts(state.alerts, [data.alert]);
  renderAlerts();
}

function follow() {
  state.stream?.stop();
  state.stream = api.follow(`/congestion/stream?window=${state.window}`, {
    onState: (name) => setLive(name),
    onEvent: (name, data) => {
      if (name === 'congestion') onRecord(data);
      else if (name === 'alert') onAlertEvent(data);
    },
  });
}

// --- Window selector.
const buttons = [...document.querySelectorAll('[data-window]')];
function markWindow() {
  for (const b of buttons) b.setAttribute('aria-checked', String(b.dataset.window === state.window));
}
for (const b of buttons) {
  b.addEventListener('click', () => {
    if (b.dataset.window === state.window) return;
    state.window = b.dataset.window;
    localStorage.setItem(WINDOW_STORAGE, state.window);
    state.records = new Map();
    markWindow();
    map.setRecords(state.records);
    refresh();
    follow();
    if (state.selected) loadRecord(state.selected);
  });
}

// --- Start.
let pollTimer = null;
async function boot() {
  try {
    const { segments } = await api.getJson('/segments');
    state.segments = segments;
    state.byId = new Map(segments.map((s) => [s.id, s]));
  } catch (err) {
    if (err instanceof KeyRequired) return; // boot() again once the key is given
    showError(err);
    setTimeout(boot, RETRY_MS);
    return;
  }
  map.setSegments(state.segments);
  await Promise.all([refresh(), refreshAlerts(), refreshHealth()]);
  follow();
  clearInterval(pollTimer);
  pollTimer = setInterval(() => {
    refresh();
    refreshAlerts();
    refreshHealth();
  }, POLL_MS);
  document.body.dataset.ready = 'true';
}

markWindow();
setLive('connecting');
renderAlerts();
healthPanel.render(null);
boot();
