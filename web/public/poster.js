// @ts-check
// A sub-district's community blueprint as a poster (社区蓝图公示): the map with its published
// projects and sites, the legend, and the project table by year and stage; printed (or saved
// as PDF) from the browser, or downloaded as a PNG drawn here.
import {Map} from '/vendor/maplibre-gl/maplibre-gl.mjs';
import {MESSAGES, pageLanguage, text} from './messages.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} key */
const word = (key) => (`dash_${key}` in MESSAGES[lang] ? t(/** @type {import('./messages.js').Key} */ (`dash_${key}`)) : key);

/** Element types' names, from the style's legend. @type {Record<string, string>} */
const typeNames = {};

/** @typedef {{id: number, name: string, element_type: string, stage: string, plan_year?: number, reserve_from?: number, reserve_to?: number, planned_total: number}} Summary */

const STAGE_COLOURS = /** @type {Record<string, string>} */ ({
  proposal: '#9e9e9e', hearing_held: '#7e57c2', approved: '#5c6bc0', design: '#29b6f6', funded: '#26a69a',
  in_construction: '#ffa726', completed: '#66bb6a', reviewed: '#43a047', in_operation: '#2e7d32', withdrawn: '#bdbdbd',
});

/** @param {number} yuan */
const money = (yuan) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {maximumFractionDigits: 0}).format(yuan);

/** The rows of the project table, by plan year (the reserve last), then stage order. @param {Summary[]} projects */
export function byYearAndStage(projects) {
  const order = Object.keys(STAGE_COLOURS);
  return [...projects].sort((a, b) => (a.plan_year ?? 9999) - (b.plan_year ?? 9999)
    || order.indexOf(a.stage) - order.indexOf(b.stage) || a.id - b.id);
}

async function main() {
  const unit = new URLSearchParams(location.search).get('unit') ?? '';
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  const feature = await (await fetch(`/api/collections/units/items/${encodeURIComponent(unit)}`)).json();
  const name = lang === 'en' ? feature.properties?.name_en ?? feature.properties?.name_zh : feature.properties?.name_zh;
  el('title').textContent = t('posterTitle', {unit: name ?? unit});
  el('subtitle').textContent = t('posterSubtitle');
  el('legend-title').textContent = t('legendWord');
  el('projects-title').textContent = t('posterProjects');
  for (const [id, key] of /** @type {const} */ ([['col-year', 'posterYear'], ['col-name', 'name'], ['col-type', 'elementType'],
    ['col-stage', 'posterStage'], ['col-funding', 'dashPlanned'], ['print', 'posterPrint'], ['png', 'posterPng'], ['lang', 'switchTo']])) {
    el(id).textContent = t(key);
  }
  el('footer').textContent = t('posterFooter', {date: new Date().toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN')});
  el('lang').addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang'); else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
  // The poster is public: what anyone may see, read without credentials.
  const list = await (await fetch(`/api/projects?subdistrict=${encodeURIComponent(unit)}`, {credentials: 'omit'})).json();
  const projects = byYearAndStage(list.projects.filter((/** @type {{published: boolean}} */ p) => p.published));
  const style = await (await fetch('/style.json')).json();
  const types = style.metadata?.['lantu:element_types'] ?? [];
  for (const ty of types) typeNames[ty.id] = lang === 'en' ? ty.en : ty.zh;
  el('rows').replaceChildren(...projects.map((p) => {
    const tr = document.createElement('tr');
    tr.dataset.project = String(p.id);
    const cells = [p.plan_year ? String(p.plan_year) : t('dash_reserve'), p.name, typeNames[p.element_type] ?? p.element_type, word(p.stage), money(p.planned_total)];
    for (const [i, c] of cells.entries()) {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 4) td.className = 'money';
      tr.append(td);
    }
    return tr;
  }));
  el('legend-types').replaceChildren(...types.map((/** @type {{id: string, colour: string, zh: string, en: string}} */ ty) => legendItem(ty.colour, lang === 'en' ? ty.en : ty.zh)));
  el('legend-stages').replaceChildren(...Object.entries(STAGE_COLOURS).map(([stage, colour]) => legendItem(colour, word(stage))));
  const coords = (feature.geometry?.coordinates ?? []).flat(2);
  const xs = coords.map((/** @type {number[]} */ c) => c[0]);
  const ys = coords.map((/** @type {number[]} */ c) => c[1]);
  const map = new Map({container: 'map', style, canvasContextAttributes: {preserveDrawingBuffer: true}, attributionControl: {compact: false},
    bounds: xs.length ? [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]] : undefined, fitBoundsOptions: {padding: 20}});
  // @ts-ignore: for the browser tests
  window.lantuMap = map;
  map.once('idle', () => { document.body.dataset.ready = 'true'; });
  el('print').addEventListener('click', () => print());
  el('png').addEventListener('click', () => downloadPng(map, projects, String(name ?? unit)));
}

/** @param {string} colour @param {string} label */
function legendItem(colour, label) {
  const li = document.createElement('li');
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = colour;
  li.append(swatch, label);
  return li;
}

/** The poster as one PNG: title, map, and the project table, drawn on a canvas.
 * @param {import('maplibre-gl').Map} map @param {Summary[]} projects @param {string} name */
function downloadPng(map, projects, name) {
  const shot = map.getCanvas();
  const width = Math.max(1600, shot.width);
  const rowHeight = 30;
  const height = 120 + shot.height * (width / shot.width) + 80 + rowHeight * (projects.length + 1);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = Math.ceil(height);
  const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#1d3557';
  g.font = 'bold 48px "Noto Sans SC", sans-serif';
  g.fillText(t('posterTitle', {unit: name}), 40, 80);
  const mapHeight = shot.height * (width / shot.width);
  g.drawImage(shot, 0, 110, width, mapHeight);
  let y = 110 + mapHeight + 60;
  g.font = 'bold 28px "Noto Sans SC", sans-serif';
  g.fillText(t('posterProjects'), 40, y);
  g.font = '22px "Noto Sans SC", sans-serif';
  for (const p of projects) {
    y += rowHeight;
    g.fillText([p.plan_year ?? t('dash_reserve'), p.name, typeNames[p.element_type] ?? p.element_type, word(p.stage), money(p.planned_total)].join('　'), 40, y);
  }
  const link = document.createElement('a');
  link.download = `blueprint-${name}.png`;
  link.href = canvas.toDataURL('image/png');
  link.click();
}

main();
