// Small DOM helpers shared by the panels (browser only).

/** document.getElementById that fails loudly: a missing element is a bug in index.html. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: no element #${id}`);
  return el;
}

/**
 * h('li', { class: 'x', text: 'y', attrs: { 'data-id': 'z' } }, child, …): an element with text
 * content (never HTML: names come from data and are not trusted).
 */
export function h(tag, { class: className, text, attrs } = {}, ...children) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

/** <time datetime="ISO">text</time>: the instant stays readable by machines (and tests). */
export function timeEl(iso, text) {
  return iso ? h('time', { text, attrs: { datetime: new Date(iso).toISOString() } }) : h('span', { text });
}

/** A level-of-service badge. */
export function losBadge(los, text = los === 'none' ? '–' : los) {
  return h('span', { class: `los los-${los}`, text });
}
