// The public community blueprint map (社区蓝图): planning units and published sites from
// lantu's own tiles, style and font. Chinese by default, English on request.
import {Map, NavigationControl, ScaleControl, Popup} from '/vendor/maplibre-gl/maplibre-gl.mjs';
import {renderAccount} from './account.js';
import {whoAmI} from './session.js';
import {text} from './messages.js';

/** The site editor, for those who may draw (see editor.js). */
let editor = null;

const TEXT = {
  zh: {
    title: '社区蓝图', subdistrict: '街道/镇', all: '全部', search: '搜索点位', legend: '图例', published: '已公布',
    draft: '草案', type: '类型', status: '状态', units: '所在单元', area: '面积', length: '长度', loading: '加载中…',
    error: '地图加载失败，请稍后重试。', switchTo: 'English',
    lifeCircle: '生活圈', none: '不显示', isoButton: '等时圈', covered: '步行可达', near: '略超（≤1.5 倍）',
    far: '较远（≤2 倍）', beyond: '更远', people: '人', homes: '处住宅', within: '步行', metres: '米',
    share: '居民覆盖', estimated: '其中估算人口', isoHint: '点击地图查看 15 分钟步行范围', isoResult: '15 分钟步行可达',
    area: '面积', unitAll: '全部范围', offNetwork: '处住宅不在路网范围内，未计入',
  },
  en: {
    title: 'Community Blueprint', subdistrict: 'Sub-district', all: 'All', search: 'Find a site', legend: 'Legend',
    published: 'Published', draft: 'Draft', type: 'Type', status: 'Status', units: 'Units', area: 'Area',
    length: 'Length', loading: 'Loading…', error: 'The map failed to load; please try again later.', switchTo: '中文',
    lifeCircle: 'Life circle', none: 'Off', isoButton: 'Isochrone', covered: 'Within reach', near: 'Just beyond (≤ 1.5×)',
    far: 'Far (≤ 2×)', beyond: 'Further', people: 'people', homes: 'homes', within: 'walk of', metres: 'm',
    share: 'Residents covered', estimated: 'of them estimated', isoHint: 'Click the map for a 15-minute walk',
    isoResult: 'Reached in a 15-minute walk', area: 'Area', unitAll: 'whole area', offNetwork: 'homes outside the street network, not counted',
  },
};

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
const t = (key) => TEXT[lang][key];
const state = {unit: '', query: '', subdistricts: [], types: [], categories: [], category: '', coverage: null,
  isoMode: false, isochrone: null};
// Distance bands of the life-circle layer: within the threshold, up to 1.5×, up to 2×, further.
const BANDS = [['covered', '#2e9d5b'], ['near', '#f2c94c'], ['far', '#f2994a'], ['beyond', '#d64545']];

const [style, me] = await Promise.all([fetch('/style.json').then((r) => r.json()), whoAmI().catch(() => null)]);
state.types = style.metadata['lantu:element_types'];
const map = new Map({
  container: 'map',
  style,
  center: [121.41, 31.255],
  zoom: 12,
  hash: true,
  attributionControl: {compact: true},
});
window.lantuMap = map;
map.addControl(new NavigationControl({showCompass: false}), 'bottom-right');
map.addControl(new ScaleControl(), 'bottom-left');
map.on('error', (event) => console.error('map error', event.error));

const SITE_LAYERS = ['site-fill', 'site-line', 'site-point'];
const byId = (id) => document.getElementById(id);
// On a phone the legend starts folded, so the map gets the screen.
if (matchMedia('(max-width: 640px)').matches) byId('legend').open = false;

function render() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t('title')} · ${lang === 'zh' ? 'Community Blueprint' : '社区蓝图'}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  byId('lang').textContent = t('switchTo');
  renderAccount(byId('account'), me, lang, (code) => {
    const unit = state.subdistricts.find((f) => String(f.id) === code);
    return unit ? (lang === 'zh' ? unit.properties.name_zh : (unit.properties.name_en || unit.properties.name_zh)) : code;
  });
  byId('lang').lang = lang === 'zh' ? 'en' : 'zh';
  editor?.render();
  byId('legend').querySelector('ul').replaceChildren(...state.types.map((type) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = type.colour;
    li.append(swatch, lang === 'zh' ? type.zh : type.en);
    return li;
  }));
  const select = byId('unit');
  select.replaceChildren(new Option(t('all'), ''), ...state.subdistricts.map((f) =>
    new Option(lang === 'zh' ? f.properties.name_zh : (f.properties.name_en || f.properties.name_zh), f.id)));
  select.value = state.unit;
  const categories = byId('category');
  categories.replaceChildren(new Option(t('none'), ''), ...state.categories.map((c) =>
    new Option(`${lang === 'zh' ? c.name_zh : c.name_en} · ${c.threshold_m} m`, c.id)));
  categories.value = state.category;
  renderCoverage();
  if (map.getLayer('unit-label')) {
    map.setLayoutProperty('unit-label', 'text-field',
      lang === 'zh' ? ['get', 'name_zh'] : ['coalesce', ['get', 'name_en'], ['get', 'name_zh']]);
  }
}

/** The coverage panel: shares for the chosen category and sub-district, the bands, an isochrone. */
function renderCoverage() {
  const panel = byId('coverage');
  panel.hidden = !state.category && !state.isochrone && !state.isoMode;
  const c = state.coverage;
  const category = state.categories.find((x) => x.id === state.category);
  panel.querySelector('h2').textContent = category
    ? `${lang === 'zh' ? category.name_zh : category.name_en} · ${t('within')} ${number(c?.threshold_m ?? category.threshold_m)} ${t('metres')}`
    : t('isoButton');
  const unitName = c?.unit ? (lang === 'zh' ? c.unit.name_zh : (c.unit.name_en || c.unit.name_zh)) : t('unitAll');
  panel.querySelector('.summary').textContent = c && c.population_total > 0
    ? `${unitName}: ${t('share')} ${(100 * c.share_population).toFixed(0)}% (${number(c.population_covered)} / ${number(c.population_total)} ${t('people')})`
    : (c ? `${unitName}: 0 ${t('homes')}` : '');
  panel.querySelector('.bands').replaceChildren(...(c ? c.bands : []).map((b) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = BANDS.find(([name]) => name === b.band)[1];
    li.append(swatch, `${t(b.band)}: ${number(b.population)} ${t('people')}, ${b.homes} ${t('homes')}`);
    return li;
  }));
  const notes = [];
  if (c?.population_estimated > 0) notes.push(`${t('estimated')} ${number(c.population_estimated)} ${t('people')}`);
  if (c?.homes_off_network > 0) notes.push(`${c.homes_off_network} ${t('offNetwork')}`);
  panel.querySelector('.note').textContent = notes.join('；');
  const iso = panel.querySelector('.iso');
  iso.hidden = !state.isoMode && !state.isochrone;
  const p = state.isochrone?.properties;
  iso.textContent = p
    ? `${t('isoResult')}: ${number(p.population)} ${t('people')}, ${p.homes} ${t('homes')}; ${t('area')} ${(p.area_m2 / 1e6).toFixed(2)} km²`
    : t('isoHint');
  byId('iso').setAttribute('aria-pressed', String(state.isoMode));
}

/** Shows the homes of the chosen category coloured by distance band, and fetches the shares. */
async function showCoverage() {
  for (const id of ['coverage-fill', 'coverage-point']) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource('coverage')) map.removeSource('coverage');
  state.coverage = null;
  if (state.category) {
    map.addSource('coverage', {
      type: 'vector',
      tiles: [`${location.origin}/tiles/coverage/${encodeURIComponent(state.category)}/{z}/{x}/{y}.mvt`],
      minzoom: 10, maxzoom: 16,
    });
    const colour = ['match', ['get', 'band'], ...BANDS.flat(), '#888'];
    map.addLayer({id: 'coverage-fill', type: 'fill', source: 'coverage', 'source-layer': 'homes',
      filter: ['==', ['geometry-type'], 'Polygon'], paint: {'fill-color': colour, 'fill-opacity': 0.75}}, 'site-fill');
    map.addLayer({id: 'coverage-point', type: 'circle', source: 'coverage', 'source-layer': 'homes',
      filter: ['==', ['geometry-type'], 'Point'], paint: {'circle-color': colour, 'circle-radius': 6,
        'circle-stroke-color': '#fff', 'circle-stroke-width': 1}}, 'site-fill');
    const unit = state.unit ? `&unit=${encodeURIComponent(state.unit)}` : '';
    const response = await fetch(`/api/coverage?category=${encodeURIComponent(state.category)}${unit}`);
    if (response.ok) state.coverage = await response.json();
  }
  renderCoverage();
}

async function showIsochrone(lngLat) {
  const response = await fetch(`/api/isochrone?lon=${lngLat.lng}&lat=${lngLat.lat}&minutes=15`);
  state.isochrone = response.ok ? await response.json() : null;
  const data = state.isochrone ?? {type: 'FeatureCollection', features: []};
  if (map.getSource('isochrone')) map.getSource('isochrone').setData(data);
  else {
    map.addSource('isochrone', {type: 'geojson', data});
    map.addLayer({id: 'isochrone-fill', type: 'fill', source: 'isochrone', paint: {'fill-color': '#2f6fde', 'fill-opacity': 0.25}}, 'site-fill');
    map.addLayer({id: 'isochrone-line', type: 'line', source: 'isochrone', paint: {'line-color': '#2f6fde', 'line-width': 1.5}}, 'site-fill');
  }
  renderCoverage();
}

function applyFilters() {
  const conditions = [];
  if (state.unit) conditions.push(['in', `,${state.unit},`, ['concat', ',', ['get', 'units'], ',']]);
  if (state.query) conditions.push(['in', state.query, ['get', 'name']]);
  for (const id of [...SITE_LAYERS, 'site-outline', 'site-label', 'site-area-label']) {
    const base = style.layers.find((l) => l.id === id).filter;
    map.setFilter(id, conditions.length ? ['all', ...(base ? [base] : []), ...conditions] : (base ?? null));
  }
  map.setFilter('unit-highlight', ['==', ['get', 'code'], state.unit]);
}

function bounds(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return [[b[0], b[1]], [b[2], b[3]]];
}

byId('unit').addEventListener('change', (event) => {
  state.unit = event.target.value;
  applyFilters();
  const unit = state.subdistricts.find((f) => f.id === state.unit);
  if (unit?.geometry) map.fitBounds(bounds(unit.geometry), {padding: 30});
  if (state.category) showCoverage();
});
byId('category').addEventListener('change', (event) => {
  state.category = event.target.value;
  showCoverage();
});
byId('iso').addEventListener('click', () => {
  state.isoMode = !state.isoMode;
  if (!state.isoMode) {
    state.isochrone = null;
    if (map.getSource('isochrone')) map.getSource('isochrone').setData({type: 'FeatureCollection', features: []});
  }
  map.getCanvas().style.cursor = state.isoMode ? 'crosshair' : '';
  renderCoverage();
});
map.on('click', (event) => { if (state.isoMode) showIsochrone(event.lngLat); });
byId('search').addEventListener('input', (event) => {
  state.query = event.target.value.trim();
  applyFilters();
});
byId('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  render();
});

const escape = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const number = (n) => new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en').format(Math.round(n));

async function showSite(id, lngLat) {
  const popup = new Popup({maxWidth: '18rem'}).setLngLat(lngLat).setHTML(`<p>${t('loading')}</p>`).addTo(map);
  const response = await fetch(`/api/collections/sites/items/${encodeURIComponent(id)}`);
  if (!response.ok) {
    popup.setHTML(`<p>${escape(t('error'))}</p>`);
    return;
  }
  const {properties: p} = await response.json();
  const type = state.types.find((x) => x.id === p.element_type);
  const rows = [
    [t('type'), type ? (lang === 'zh' ? type.zh : type.en) : p.element_type],
    [t('status'), t(p.status)],
    [t('units'), p.unit_names.join('、') || '—'],
  ];
  if (p.area_m2 != null) rows.push([t('area'), `${number(p.area_m2)} m²`]);
  if (p.length_m != null) rows.push([t('length'), `${number(p.length_m)} m`]);
  popup.setHTML(`<h3>${escape(p.name)}</h3><dl>${rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join('')}</dl>`
    + (p.description ? `<p>${escape(p.description)}</p>` : '')
    + (editor ? `<button type="button" class="edit-site">${escape(text(lang, 'editThis'))}</button>` : ''));
  popup.getElement().querySelector('.edit-site')?.addEventListener('click', () => {
    popup.remove();
    editor.edit(Number(id));
  });
}

for (const layer of SITE_LAYERS) {
  map.on('click', layer, (event) => {
    if (!state.isoMode && !editor?.drawing()) showSite(event.features[0].id, event.lngLat);
  });
  map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
}

map.on('load', async () => {
  const response = await fetch('/api/collections/units/items?level=subdistrict&limit=1000');
  if (response.ok) state.subdistricts = (await response.json()).features;
  const catalogue = await fetch('/api/coverage/categories');
  if (catalogue.ok) state.categories = (await catalogue.json()).categories;
  // Planners get the site editor; the public page never loads it.
  if (me && (me.roles.includes('planner') || me.roles.includes('admin'))) {
    const {startEditor} = await import('./editor.js');
    editor = await startEditor({map, me, lang: () => lang, types: state.types, units: () => state.subdistricts});
  }
  render();
});
render();
