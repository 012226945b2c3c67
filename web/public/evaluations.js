// @ts-check
// Evaluations (考评): for evaluators (the bureau and the chief planner team) the district table
// of every appointment's hours, latest score and result, as CSV too, and the start of a new
// evaluation; for a planner, their own sheets.
import {whoAmI} from './session.js';
import {MESSAGES, pageLanguage, text} from './messages.js';
import {read, sendJson} from './api.js';
import {el, fillWords, switchLanguage} from './page.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** A word of the catalogue by a key built from data, or the data itself. @param {string} key @param {string} fallback */
const word = (key, fallback) => (key in MESSAGES[lang] ? t(/** @type {import('./messages.js').Key} */ (key)) : fallback);
const suffix = lang === 'en' ? '?lang=en' : '';

/** A link to sheet `id`. @param {number} id @param {string} label */
function sheetLink(id, label) {
  const a = document.createElement('a');
  a.href = `/evaluations/${id}${suffix}`;
  a.textContent = label;
  return a;
}

/** @param {any[]} rows */
function showTable(rows) {
  const body = /** @type {HTMLElement} */ (el('table').querySelector('tbody'));
  body.replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.appointment = String(r.appointment);
    const result = r.result ? (lang === 'en' ? r.result_en : r.result_zh) : '';
    for (const value of [r.holder, r.units.join('、'), `${r.starts_on} – ${r.ends_on}`, String(r.hours),
      r.status ? word(`ev_${r.status}`, r.status) : '—', r.score == null ? '—' : String(r.score), result,
      r.renewal ? word(`ev_${r.renewal}`, r.renewal) : '']) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(td);
    }
    const open = document.createElement('td');
    if (r.evaluation) open.append(sheetLink(r.evaluation, t('evOpen')));
    tr.append(open);
    return tr;
  }));
  /** @type {HTMLSelectElement} */ (el('appointment')).replaceChildren(...rows.map((r) =>
    new Option(`${r.appointment} · ${r.holder} · ${r.units.join('、')}`, String(r.appointment))));
}

async function start() {
  el('title').textContent = t('evTitle');
  fillWords(lang);
  switchLanguage(lang);
  /** @type {HTMLAnchorElement} */ (el('service-link')).href = `/service${suffix}`;
  el('service-link').textContent = t('svcTitle');
  const me = await whoAmI();
  if (!me) {
    el('notice').hidden = false;
    el('notice').textContent = t('evSignIn');
    return;
  }
  const table = await read('/api/evaluations/table');
  if (table) {
    el('district').hidden = false;
    showTable(table.rows);
    const templates = await read('/api/evaluations/templates');
    /** @type {HTMLSelectElement} */ (el('template')).replaceChildren(...templates.templates.map((/** @type {any} */ x) =>
      new Option(lang === 'en' ? x.name_en : x.name_zh, x.id)));
    el('start').addEventListener('submit', async (event) => {
      event.preventDefault();
      const year = /** @type {HTMLInputElement} */ (el('year')).value;
      const started = await sendJson(me, 'POST', '/api/evaluations', {
        appointment: Number(/** @type {HTMLSelectElement} */ (el('appointment')).value),
        template: /** @type {HTMLSelectElement} */ (el('template')).value,
        year: year ? Number(year) : null,
      });
      if (!started.ok) {
        el('notice').hidden = false;
        el('notice').textContent = `${t('evRefused')}${started.detail}`;
        return;
      }
      location.href = `/evaluations/${started.json.id}${suffix}`;
    });
  }
  const own = await read('/api/evaluations');
  const mine = (own?.evaluations ?? []).filter((/** @type {any} */ e) => me.appointments.some((a) => a.id === e.appointment));
  el('mine').hidden = !mine.length && !!table;
  el('own').replaceChildren(...(mine.length ? mine.map((/** @type {any} */ e) => {
    const li = document.createElement('li');
    li.append(sheetLink(e.id, `${e.template} · ${e.year ?? `${e.from} – ${e.to}`} · ${word(`ev_${e.status}`, e.status)}`));
    return li;
  }) : [Object.assign(document.createElement('li'), {textContent: t('evNone')})]));
  document.body.dataset.ready = 'true';
}

start();
