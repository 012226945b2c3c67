// @ts-check
// The residents' page (居民需求): place a need on the map, submit it without an account, keep
// the receipt code, and follow what becomes of it. Phone first; Chinese by default.
import {Map, Popup} from '/vendor/maplibre-gl/maplibre-gl.mjs';
import {pageLanguage, text} from './messages.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A device id kept in this browser, for supports: one per device. */
export function deviceId() {
  let id = localStorage.getItem('lantu-device');
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem('lantu-device', id);
  }
  return id;
}

/** Fills the page's fixed words. */
function words() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  const fixed = /** @type {const} */ ([
    ['title', 'needsTitle'], ['hint', 'needsHint'], ['category-label', 'needCategory'], ['text-label', 'needText'],
    ['contact-label', 'needContact'], ['follow-label', 'needFollow'], ['submit', 'needSubmit'],
    ['receipt-title', 'receiptTitle'], ['receipt-hint', 'receiptHint'], ['track-link', 'trackLink'],
    ['tracking-title', 'trackingTitle'], ['status-label', 'needStatus'], ['feed-link', 'feedLink'], ['lang', 'switchTo'],
  ]);
  for (const [id, key] of fixed) el(id).textContent = t(key);
  el('lang').addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang'); else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
}

/** The categories, in this language. */
async function categories() {
  const body = await (await fetch('/api/needs/categories')).json();
  const select = /** @type {HTMLSelectElement} */ (el('category'));
  for (const c of body.categories) {
    const option = document.createElement('option');
    option.value = c.id;
    option.textContent = lang === 'en' ? c.name_en : c.name_zh;
    select.append(option);
  }
}

/** @param {string} path */
function withLang(path) {
  return lang === 'en' ? `${path}?lang=en` : path;
}

/** @param {import('maplibre-gl').Map} map */
async function submit(map) {
  const error = el('form-error');
  error.hidden = true;
  const body = {
    type: 'Feature',
    geometry: {type: 'Point', coordinates: map.getCenter().toArray()},
    properties: {
      category: /** @type {HTMLSelectElement} */ (el('category')).value,
      text: /** @type {HTMLTextAreaElement} */ (el('text')).value,
      ...(/** @type {HTMLInputElement} */ (el('contact')).value.trim()
        ? {contact: /** @type {HTMLInputElement} */ (el('contact')).value.trim()} : {}),
      follow: /** @type {HTMLInputElement} */ (el('follow')).checked,
    },
  };
  const response = await fetch('/api/collections/needs/items', {
    method: 'POST', headers: {'Content-Type': 'application/geo+json'}, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    error.textContent = `${t(response.status === 429 ? 'needTooMany' : 'needRefused')} ${answer.detail ?? ''}`;
    error.hidden = false;
    return;
  }
  el('need-form').hidden = true;
  el('receipt').hidden = false;
  el('receipt-code').textContent = answer.receipt;
  /** @type {HTMLAnchorElement} */ (el('track-link')).href = withLang(`/needs/track/${answer.receipt}`);
}

/** Shows the need a receipt code names, and its trail. @param {string} code */
async function track(code) {
  el('need-form').hidden = true;
  el('tracking').hidden = false;
  const response = await fetch(`/api/needs/track/${encodeURIComponent(code)}`);
  const need = await response.json();
  if (!response.ok) {
    el('need-text').textContent = t('trackNotFound');
    return need;
  }
  const p = need.properties;
  el('need-text').textContent = p.text;
  el('need-status').textContent = lang === 'en' ? p.status_en : p.status_zh;
  el('need-status').dataset.status = p.status;
  const trail = el('trail');
  trail.replaceChildren(...p.trail.map((/** @type {any} */ step) => {
    const li = document.createElement('li');
    li.dataset.kind = step.kind;
    const time = document.createElement('time');
    time.dateTime = step.at;
    time.textContent = new Date(step.at).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN');
    const what = document.createElement('span');
    const kind = /** @type {import('./messages.js').Key} */ (`step_${step.kind}`);
    what.textContent = [t(kind), step.note].filter(Boolean).join(' · ');
    li.append(time, what);
    if (step.kind === 'answered' && step.related) {
      const link = document.createElement('a');
      link.href = withLang(`/projects/${step.related}`);
      link.textContent = t('viewProject');
      link.className = 'project-link';
      li.append(' ', link);
    }
    return li;
  }));
  /** @type {HTMLAnchorElement} */ (el('feed-link')).href = `/api/collections/needs/items/${need.id}/feed`;
  return need;
}

/** Needs nearby: tapping one on the map shows it, with a button to support it (+1).
 * @param {import('maplibre-gl').Map} map */
function nearby(map) {
  map.on('click', 'need-point', async (e) => {
    const id = e.features?.[0]?.id;
    if (id == null) return;
    const need = await (await fetch(`/api/collections/needs/items/${id}`)).json();
    const p = need.properties;
    const box = document.createElement('div');
    box.className = 'need-popup';
    const title = document.createElement('strong');
    title.textContent = `${lang === 'en' ? p.category_en : p.category_zh} · ${lang === 'en' ? p.status_en : p.status_zh}`;
    const body = document.createElement('p');
    body.textContent = p.text;
    const support = document.createElement('button');
    support.type = 'button';
    support.className = 'support';
    support.textContent = t('supportButton', {n: p.supports});
    support.addEventListener('click', async () => {
      const r = await fetch(`/api/collections/needs/items/${id}/support`, {
        method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({supporter: deviceId()}),
      });
      const answer = await r.json();
      support.textContent = r.ok ? t('supportButton', {n: answer.supports}) : `${t('needRefused')} ${answer.detail}`;
      support.disabled = true;
    });
    box.append(title, body, support);
    new Popup({closeButton: true}).setLngLat(e.lngLat).setDOMContent(box).addTo(map);
  });
  // Projects nearby: their name and stage, and a link to their page.
  for (const layer of ['project-ring', 'project-outline']) {
    map.on('click', layer, (e) => {
      const f = e.features?.[0];
      if (!f) return;
      const box = document.createElement('div');
      box.className = 'project-popup';
      const link = document.createElement('a');
      link.href = withLang(`/projects/${f.properties.project}`);
      link.textContent = `${f.properties.name} · ${t(/** @type {import('./messages.js').Key} */ (`dash_${f.properties.stage}`))}`;
      box.append(link);
      new Popup({closeButton: true}).setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    });
  }
  map.on('mouseenter', 'need-point', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'need-point', () => { map.getCanvas().style.cursor = ''; });
}

async function main() {
  words();
  const tracked = /^\/needs\/track\/([^/]+)$/.exec(location.pathname);
  const map = new Map({
    container: 'map', style: '/style.json', center: [121.42, 31.245], zoom: 14, attributionControl: {compact: true},
  });
  // @ts-ignore: for the browser tests
  window.lantuMap = map;
  if (tracked) {
    const need = await track(decodeURIComponent(tracked[1]));
    el('pin').hidden = true;
    const c = need?.geometry?.coordinates;
    if (Array.isArray(c) && typeof c[0] === "number") map.jumpTo({center: [c[0], c[1]], zoom: 16});
    return;
  }
  await categories();
  nearby(map);
  el('need-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submit(map);
  });
}

main();
