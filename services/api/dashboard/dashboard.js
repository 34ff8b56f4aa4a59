// roadpulse dashboard: plain JavaScript, no framework, nothing loaded from outside this server
// (control rooms often have no internet). It calls only this server's API under API_BASE.
//
// Data: GET segments (the map, drawn as SVG from each segment's [lon, lat] line), GET
// congestion/summary and GET congestion (colours, city panel, most congested) every 30 s, the
// congestion/stream server-sent events for live records, and a segment's record when it is picked.

export const API_BASE = '/api/v1';
export const WINDOWS = ['1m', '5m', '15m', '1h'];
export const LOS_COLOURS = {
  A: '#1a9641',
  B: '#8cc63f',
  C: '#f2d024',
  D: '#f39c34',
  E: '#e0452b',
  F: '#8b0a0a',
  none: '#8a9099',
};
const POLL_MS = 30_000;
/** A window close publishes every segment's record at once: refresh the summary once after the burst. */
const SUMMARY_AFTER_RECORDS_MS = 1_500;
/** The server sends a heartbeat every 15 s; silence for this long means the connection is dead. */
const STREAM_SILENCE_MS = 45_000;
const DEFAULT_RETRY_MS = 5_000;
/** Half the gap between the two directions of a road, in screen pixels (traffic keeps right). */
const DIRECTION_OFFSET_PX = 3;
const MAP_PADDING_PX = 24;

// ---------------------------------------------------------------------------------------------
// Pure helpers (no DOM): exported so they can be checked without a browser.

/** 'A'…'F', or 'none' for no_data and for records without a level of service. */
export function losOf(record) {
  return record && record.status === 'ok' && record.los ? record.los : 'none';
}

export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * Projects the segments' [lon, lat] lines onto a width × height pixel box (equirectangular around
 * the network's mean latitude: fine for a city), each line shifted `offsetPx` to the right of its
 * travel direction so the two directions of a road show side by side.
 * Returns one SVG path `d` per segment and the midpoint of each, in pixels.
 */
export function projectNetwork(segments, width, height, { padding = MAP_PADDING_PX, offsetPx = DIRECTION_OFFSET_PX } = {}) {
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (const s of segments) {
    for (const [lon, lat] of s.coordinates) {
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    }
  }
  if (!Number.isFinite(minLon)) return [];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * kx, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const x0 = (width - spanX * scale) / 2;
  const y0 = (height - spanY * scale) / 2;
  const toPx = ([lon, lat]) => [x0 + (lon - minLon) * kx * scale, y0 + (maxLat - lat) * scale];

  return segments.map((s) => {
    const points = offsetLine(s.coordinates.map(toPx), offsetPx);
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
    const mid = points[Math.floor((points.length - 1) / 2)];
    const next = points[Math.floor((points.length - 1) / 2) + 1] ?? mid;
    return { id: s.id, d, mid: [(mid[0] + next[0]) / 2, (mid[1] + next[1]) / 2] };
  });
}

/** Shifts a pixel polyline `offset` px to the right of its direction (y grows downwards). */
export function offsetLine(points, offset) {
  const normals = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const dx = points[i + 1][0] - points[i][0];
    const dy = points[i + 1][1] - points[i][1];
    const len = Math.hypot(dx, dy);
    normals.push(len > 0 ? [-dy / len, dx / len] : null);
  }
  const filled = normals.map((n, i) => n ?? normals.slice(0, i).reverse().find(Boolean) ?? normals.find(Boolean) ?? [0, 0]);
  return points.map(([x, y], i) => {
    const before = filled[i - 1];
    const after = filled[i];
    let n = before && after ? [before[0] + after[0], before[1] + after[1]] : (before ?? after);
    const len = Math.hypot(n[0], n[1]);
    if (len === 0) return [x, y];
    n = [n[0] / len, n[1] / len];
    // A miter keeps the offset constant along both edges; capped on sharp turns.
    const cos = after ? n[0] * after[0] + n[1] * after[1] : 1;
    const k = offset / Math.max(cos, 0.5);
    return [x + n[0] * k, y + n[1] * k];
  });
}

/**
 * Parses server-sent events (HTML Living Standard, 9.2.6) from text received so far.
 * Returns the complete events and the unfinished rest to prepend to the next chunk.
 */
export function parseSse(text) {
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop() ?? '';
  const events = [];
  for (const block of blocks) {
    const event = { event: 'message', data: undefined, retry: undefined };
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue; // comment (heartbeat)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event.event = value;
      else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
    }
    if (data.length > 0) event.data = data.join('\n');
    if (event.data !== undefined || event.retry !== undefined) events.push(event);
  }
  return { events, rest };
}

class KeyRequired extends Error {
  constructor() {
    super('this server needs an API key');
  }
}

const num = (v, digits = 0) => (v === null || v === undefined ? '–' : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits }));
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '–');

// ---------------------------------------------------------------------------------------------
// The page.

if (typeof document !== 'undefined') start();

function start() {
  const $ = (id) => document.getElementById(id);
  const state = {
    window: WINDOWS.includes(localStorage.getItem('roadpulse.window')) ? localStorage.getItem('roadpulse.window') : '5m',
    apiKey: sessionStorage.getItem('roadpulse.apiKey') ?? '',
    segments: [],
    byId: new Map(),
    /** segmentId → latest record of the selected window. */
    records: new Map(),
    paths: new Map(),
    selected: null,
    streamGeneration: 0,
    streamAbort: null,
    summaryTimer: null,
  };

  // --- API calls: all under API_BASE, with the key when the server asks for one.
  async function api(path, init = {}) {
    const headers = { accept: 'application/json', ...(init.headers ?? {}) };
    if (state.apiKey) headers.authorization = `Bearer ${state.apiKey}`;
    const res = await fetch(`${API_BASE}${path}`, { ...init, headers });
    if (res.status === 401) {
      askForKey();
      throw new KeyRequired();
    }
    return res;
  }
  async function getJson(path) {
    const res = await api(path);
    const body = await res.json();
    if (!res.ok) throw new Error(body.detail ?? `HTTP ${res.status}`);
    return body;
  }

  function showError(err) {
    const el = $('error');
    if (err instanceof KeyRequired) return;
    if (!err) {
      el.hidden = true;
      return;
    }
    el.textContent = `Cannot reach the roadpulse API: ${err.message ?? err}`;
    el.hidden = false;
  }

  function askForKey() {
    $('key-form').hidden = false;
    setLive('offline', 'API key needed');
  }
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.apiKey = $('key-input').value.trim();
    sessionStorage.setItem('roadpulse.apiKey', state.apiKey);
    $('key-form').hidden = true;
    boot();
  });

  // --- Map.
  const svg = $('map');
  const tooltip = $('tooltip');

  function drawMap() {
    const rect = svg.getBoundingClientRect();
    const width = Math.max(200, Math.round(rect.width));
    const height = Math.max(200, Math.round(rect.height));
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const projected = projectNetwork(state.segments, width, height);
    const lines = projected
      .map((p) => `<path class="seg" data-id="${escapeXml(p.id)}" d="${p.d}"></path>`)
      .join('');
    const labels = roadLabels(projected)
      .map((l) => `<text class="road-label" x="${l.x.toFixed(1)}" y="${l.y.toFixed(1)}">${escapeXml(l.text)}</text>`)
      .join('');
    svg.innerHTML = `<g class="roads">${lines}</g><g class="labels">${labels}</g>`;
    state.paths = new Map([...svg.querySelectorAll('path.seg')].map((el) => [el.dataset.id, el]));
    for (const id of state.paths.keys()) paint(id);
  }

  /** One label per road, at its longest segment, skipped where it would sit on another label. */
  function roadLabels(projected) {
    const midById = new Map(projected.map((p) => [p.id, p.mid]));
    const longest = new Map();
    for (const s of state.segments) {
      const best = longest.get(s.road);
      if (!best || s.lengthM > best.lengthM) longest.set(s.road, s);
    }
    const placed = [];
    for (const [road, s] of longest) {
      const [x, y] = midById.get(s.id) ?? [0, 0];
      if (placed.some((p) => Math.abs(p.x - x) < 90 && Math.abs(p.y - y) < 16)) continue;
      placed.push({ x: x + 8, y: y - 6, text: road });
    }
    return placed;
  }

  function paint(id) {
    const el = state.paths.get(id);
    if (!el) return;
    const los = losOf(state.records.get(id));
    el.setAttribute('stroke', LOS_COLOURS[los]);
    el.dataset.los = los;
    el.classList.toggle('selected', id === state.selected);
  }

  svg.addEventListener('pointermove', (e) => {
    const id = e.target.closest?.('path.seg')?.dataset.id;
    const segment = id && state.byId.get(id);
    if (!segment) {
      tooltip.hidden = true;
      return;
    }
    const record = state.records.get(id);
    const los = losOf(record);
    tooltip.replaceChildren(
      line('strong', segment.name),
      line('span', `${segment.road} · ${segment.direction}`),
      line('span', los === 'none' ? 'no data / no LOS' : `LOS ${los} · ${num(record.congestionPct, 1)} % congestion · ${num(record.speedKmh, 1)} km/h`),
    );
    const box = svg.parentElement.getBoundingClientRect();
    tooltip.style.left = `${Math.min(e.clientX - box.left + 14, box.width - 260)}px`;
    tooltip.style.top = `${e.clientY - box.top + 14}px`;
    tooltip.hidden = false;
  });
  svg.addEventListener('pointerleave', () => (tooltip.hidden = true));
  svg.addEventListener('click', (e) => {
    const id = e.target.closest?.('path.seg')?.dataset.id;
    if (id) select(id);
  });

  function line(tag, text) {
    const el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function renderLegend() {
    const labels = { A: 'A free flow', B: 'B', C: 'C', D: 'D', E: 'E', F: 'F jammed', none: 'no data' };
    $('legend').replaceChildren(
      ...Object.entries(labels).map(([los, text]) => {
        const li = line('li', text);
        const swatch = document.createElement('i');
        swatch.style.background = LOS_COLOURS[los];
        li.prepend(swatch);
        return li;
      }),
    );
  }

  // --- Selected segment panel.
  async function select(id) {
    state.selected = id;
    for (const key of state.paths.keys()) paint(key);
    renderSegment();
    try {
      const record = await getJson(`/segments/${encodeURIComponent(id)}/congestion?window=${state.window}`);
      if (record.window === state.window && state.selected === id) {
        state.records.set(id, record);
        paint(id);
        renderSegment();
      }
    } catch (err) {
      showError(err);
    }
  }

  function renderSegment() {
    const segment = state.selected && state.byId.get(state.selected);
    $('segment-card').hidden = !segment;
    if (!segment) return;
    const r = state.records.get(segment.id);
    const los = losOf(r);
    $('segment-title').textContent = `${segment.road} · ${segment.direction}`;
    $('segment-name').textContent = segment.name;
    const rows = [
      ['Level of service', los === 'none' ? (r?.status === 'no_data' ? 'no data' : 'unknown') : los],
      ['Congestion', r ? `${num(r.congestionPct, 1)} %` : '–'],
      ['Speed', r ? `${num(r.speedKmh, 1)} km/h (free flow ${segment.freeFlowKmh})` : '–'],
      ['Travel-time index', r ? num(r.tti, 2) : '–'],
      ['Jam factor', r ? num(r.jamFactor, 1) : '–'],
      ['Flow', r ? `${num(r.flowVph)} veh/h · ${num(r.flowPcuph)} pcu/h` : '–'],
      ['Density', r ? `${num(r.densityPcuPerKmLane, 1)} pcu/km/lane` : '–'],
      ['Occupancy', r && r.occupancy !== null ? `${num(r.occupancy * 100, 1)} %` : '–'],
      ['Sensors', r ? `${r.sensorsReporting} of ${r.sensorsKnown} reporting` : '–'],
      ['Last reading', r ? time(r.lastReadingAt) : '–'],
      ['Window', r ? `${r.window}: ${time(r.from)} – ${time(r.to)}` : state.window],
      ['Road', `${segment.kind}, ${segment.lanes} lanes, ${num(segment.lengthM)} m`],
    ];
    $('segment-record').replaceChildren(
      ...rows.flatMap(([k, v]) => {
        const dd = line('dd', v);
        if (k === 'Level of service') dd.className = `los los-${los}`;
        return [line('dt', k), dd];
      }),
    );
  }

  // --- Summary, ranking.
  async function refresh() {
    const windowName = state.window;
    try {
      const [summary, ranking] = await Promise.all([
        getJson(`/congestion/summary?window=${windowName}&top=10`),
        getJson(`/congestion?window=${windowName}&limit=1000`),
      ]);
      if (windowName !== state.window) return;
      const ranked = new Map(ranking.records.map((r) => [r.segmentId, r]));
      for (const [id, r] of state.records) {
        // A record without congestion % (no data, no speed) is not ranked: keep it; one with a % is stale.
        if (!ranked.has(id) && r.congestionPct !== null) state.records.delete(id);
      }
      for (const [id, r] of ranked) state.records.set(id, r);
      for (const id of state.paths.keys()) paint(id);
      renderSummary(summary);
      renderSegment();
      showError(null);
    } catch (err) {
      showError(err);
    }
  }

  function renderSummary(summary) {
    $('summary-window').textContent = `· ${state.window} window${summary.at ? ` to ${time(summary.at)}` : ''}`;
    $('mean-congestion').textContent = summary.meanCongestionPct === null ? '–' : `${num(summary.meanCongestionPct, 1)} %`;
    $('with-data').textContent = `${summary.segmentsWithData} / ${summary.segmentsTotal}`;
    $('updated').textContent = `updated ${time(new Date().toISOString())}`;
    const counts = summary.losCounts;
    const max = Math.max(1, ...Object.values(counts));
    const rows = [...'ABCDEF', 'no_data', ...(counts.unknown ? ['unknown'] : [])].map((key) => {
      const row = document.createElement('div');
      row.className = 'los-row';
      const bar = document.createElement('span');
      bar.className = 'fill';
      bar.style.width = `${(counts[key] / max) * 100}%`;
      bar.style.background = LOS_COLOURS[key] ?? LOS_COLOURS.none;
      const track = document.createElement('span');
      track.className = 'track';
      track.append(bar);
      row.append(line('span', key === 'no_data' ? 'no data' : key === 'unknown' ? 'no LOS' : `LOS ${key}`), track, line('span', String(counts[key])));
      return row;
    });
    $('los-bars').replaceChildren(...rows);

    const items = summary.mostCongested.map((r) => {
      const segment = state.byId.get(r.segmentId);
      const li = document.createElement('li');
      const badge = line('span', losOf(r) === 'none' ? '–' : r.los);
      badge.className = `los los-${losOf(r)}`;
      const name = line('span', segment ? segment.name : r.segmentId);
      name.className = 'name';
      li.append(badge, name, line('span', `${num(r.congestionPct, 1)} %`));
      li.tabIndex = 0;
      li.addEventListener('click', () => select(r.segmentId));
      li.addEventListener('keydown', (e) => e.key === 'Enter' && select(r.segmentId));
      return li;
    });
    $('top-list').replaceChildren(...(items.length > 0 ? items : [line('li', 'no segment with data in this window')]));
  }

  function refreshSoon() {
    clearTimeout(state.summaryTimer);
    state.summaryTimer = setTimeout(refresh, SUMMARY_AFTER_RECORDS_MS);
  }

  // --- Live stream (read with fetch, not EventSource, so it can send the API key).
  function setLive(stateName, text) {
    const el = $('live');
    el.dataset.state = stateName;
    el.textContent = text ?? { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', offline: 'offline' }[stateName];
  }

  function onRecord(record) {
    if (record.window !== state.window) return;
    state.records.set(record.segmentId, record);
    paint(record.segmentId);
    if (record.segmentId === state.selected) renderSegment();
    refreshSoon();
  }

  async function stream() {
    state.streamAbort?.abort();
    const generation = ++state.streamGeneration;
    let retryMs = DEFAULT_RETRY_MS;
    setLive('connecting');
    while (generation === state.streamGeneration) {
      const controller = new AbortController();
      state.streamAbort = controller;
      let silence;
      const expectSoon = () => {
        clearTimeout(silence);
        silence = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
      };
      try {
        const res = await api(`/congestion/stream?window=${state.window}`, {
          headers: { accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
        setLive('live');
        expectSoon();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffered = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          expectSoon();
          const { events, rest } = parseSse(buffered + value);
          buffered = rest;
          for (const ev of events) {
            if (ev.retry !== undefined) retryMs = ev.retry;
            if (ev.event === 'congestion' && ev.data) onRecord(JSON.parse(ev.data));
          }
        }
      } catch (err) {
        if (err instanceof KeyRequired) return;
      } finally {
        clearTimeout(silence);
      }
      if (generation !== state.streamGeneration) return;
      setLive('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
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
      localStorage.setItem('roadpulse.window', state.window);
      state.records.clear();
      markWindow();
      for (const id of state.paths.keys()) paint(id);
      refresh();
      stream();
      if (state.selected) select(state.selected);
    });
  }

  // --- Start.
  let pollTimer = null;
  async function boot() {
    try {
      const { segments } = await getJson('/segments');
      state.segments = segments;
      state.byId = new Map(segments.map((s) => [s.id, s]));
    } catch (err) {
      if (err instanceof KeyRequired) return; // boot() again once the key is given
      showError(err);
      setTimeout(boot, DEFAULT_RETRY_MS);
      return;
    }
    drawMap();
    await refresh();
    stream();
    clearInterval(pollTimer);
    pollTimer = setInterval(refresh, POLL_MS);
  }

  renderLegend();
  markWindow();
  let resizeTimer;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => state.segments.length > 0 && drawMap(), 100);
  }).observe(svg);
  boot();
}
