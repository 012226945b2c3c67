// @ts-check
// The dashboard (统计看板): projects and budgets, needs and how fast they are answered, for the
// district or one sub-district; each table as a bar chart and as CSV.
import {MESSAGES, pageLanguage, text} from './messages.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The tables, in the order shown. */
const TABLES = /** @type {const} */ (['projects_by_stage', 'projects_by_element_type', 'projects_by_year',
  'funding_by_source', 'needs_by_status', 'needs_by_category', 'needs_by_gap']);

/** Words for the keys the tables use (stages, types, sources, statuses, categories). */
let labels = /** @type {Record<string, string>} */ ({});

async function loadLabels() {
  const needs = await (await fetch('/api/needs/categories')).json();
  for (const c of needs.categories) labels[c.id] = lang === 'en' ? c.name_en : c.name_zh;
  for (const s of needs.statuses) labels[s.id] = lang === 'en' ? s.name_en : s.name_zh;
  const facilities = await (await fetch('/api/coverage/categories')).json();
  for (const c of facilities.categories ?? []) labels[c.id] ??= lang === 'en' ? c.name_en : c.name_zh;
}

/** @param {string} key */
function label(key) {
  const own = `dash_${key}`;
  if (own in MESSAGES[lang]) return t(/** @type {import('./messages.js').Key} */ (own));
  return labels[key] ?? key;
}

/** @param {number} yuan */
function money(yuan) {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {maximumFractionDigits: 0}).format(yuan);
}

/** @param {string} unit */
async function show(unit) {
  const query = unit ? `?unit=${encodeURIComponent(unit)}` : '';
  const board = await (await fetch(`/api/dashboard${query}`)).json();
  const totals = [
    ['dashProjects', String(board.projects)], ['dashPlanned', money(board.planned)], ['dashSpent', money(board.spent)],
    ['dashNeeds', String(board.needs)],
    ['dashMedian', board.median_days_to_first_answer == null ? '—' : board.median_days_to_first_answer.toFixed(1)],
  ];
  el('totals').replaceChildren(...totals.map(([key, value]) => {
    const box = document.createElement('div');
    box.dataset.total = key;
    const strong = document.createElement('strong');
    strong.textContent = value;
    box.append(strong, t(/** @type {import('./messages.js').Key} */ (key)));
    return box;
  }));
  el('tables').replaceChildren(...TABLES.map((name) => {
    const rows = board.tables[name] ?? [];
    const figure = document.createElement('figure');
    figure.dataset.table = name;
    const caption = document.createElement('figcaption');
    const link = document.createElement('a');
    link.href = `/api/dashboard/${name}.csv${query}`;
    link.textContent = 'CSV';
    link.download = `${name}.csv`;
    caption.append(t(/** @type {import('./messages.js').Key} */ (`dash_${name}`)), link);
    figure.append(caption);
    const most = Math.max(1, ...rows.map((/** @type {{count: number}} */ r) => r.count));
    if (rows.length === 0) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = t('dashEmpty');
      figure.append(p);
    }
    for (const row of rows) {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.dataset.key = row.key;
      const name = document.createElement('span');
      name.textContent = label(row.key);
      const track = document.createElement('span');
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${(100 * row.count) / most}%`;
      track.append(fill);
      const n = document.createElement('span');
      n.className = 'n';
      n.textContent = String(row.count);
      bar.append(name, track, n);
      if (row.planned != null) bar.title = `${t('dashPlanned')} ${money(row.planned)} · ${t('dashSpent')} ${money(row.spent)}`;
      figure.append(bar);
    }
    return figure;
  }));
  document.body.dataset.shown = unit;
}

async function main() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  el('title').textContent = t('dashTitle');
  el('unit-label').textContent = t('subdistrictWord');
  el('lang').textContent = t('switchTo');
  el('lang').addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang'); else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
  await loadLabels();
  const select = /** @type {HTMLSelectElement} */ (el('unit'));
  const all = document.createElement('option');
  all.value = '';
  all.textContent = t('dashWholeDistrict');
  select.append(all);
  const units = await (await fetch('/api/collections/units/items?level=subdistrict&limit=1000')).json();
  for (const f of units.features) {
    const option = document.createElement('option');
    option.value = f.id;
    option.textContent = lang === 'en' ? f.properties.name_en ?? f.properties.name_zh : f.properties.name_zh;
    select.append(option);
  }
  const wanted = new URLSearchParams(location.search).get('unit') ?? '';
  select.value = wanted;
  select.addEventListener('change', () => show(select.value));
  await show(wanted);
  document.body.dataset.ready = 'true';
}

main();
