// The public community blueprint map (社区蓝图): planning units and published sites from
// lantu's own tiles, style and font. Chinese by default, English on request.
import {Map, NavigationControl, ScaleControl, Popup} from '/vendor/maplibre-gl/maplibre-gl.mjs';

const TEXT = {
  zh: {
    title: '社区蓝图', subdistrict: '街道/镇', all: '全部', search: '搜索点位', legend: '图例', published: '已公布',
    draft: '草案', type: '类型', status: '状态', units: '所在单元', area: '面积', length: '长度', loading: '加载中…',
    error: '地图加载失败，请稍后重试。', switchTo: 'English',
  },
  en: {
    title: 'Community Blueprint', subdistrict: 'Sub-district', all: 'All', search: 'Find a site', legend: 'Legend',
    published: 'Published', draft: 'Draft', type: 'Type', status: 'Status', units: 'Units', area: 'Area',
    length: 'Length', loading: 'Loading…', error: 'The map failed to load; please try again later.', switchTo: '中文',
  },
};

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
const t = (key) => TEXT[lang][key];
const state = {unit: '', query: '', subdistricts: [], types: []};

const style = await (await fetch('/style.json')).json();
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
  byId('lang').lang = lang === 'zh' ? 'en' : 'zh';
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
  if (map.getLayer('unit-label')) {
    map.setLayoutProperty('unit-label', 'text-field',
      lang === 'zh' ? ['get', 'name_zh'] : ['coalesce', ['get', 'name_en'], ['get', 'name_zh']]);
  }
}

function applyFilters() {
  const conditions = [];
  if (state.unit) conditions.push(['in', `,${state.unit},`, ['concat', ',', ['get', 'units'], ',']]);
  if (state.query) conditions.push(['in', state.query, ['get', 'name']]);
  for (const id of [...SITE_LAYERS, 'site-outline', 'site-label']) {
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
});
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
    + (p.description ? `<p>${escape(p.description)}</p>` : ''));
}

for (const layer of SITE_LAYERS) {
  map.on('click', layer, (event) => showSite(event.features[0].id, event.lngLat));
  map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
}

map.on('load', async () => {
  const response = await fetch('/api/collections/units/items?level=subdistrict&limit=1000');
  if (response.ok) state.subdistricts = (await response.json()).features;
  render();
});
render();
