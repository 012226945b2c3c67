// @ts-check
// The planner's site editor on the blueprint map (loaded only for those who may draw): draw a
// point, line, polygon or rectangle with terra-draw, move and delete vertices, undo and redo,
// snap to sites' vertices and unit boundaries; see the area or length, the units the shape
// falls in and what the server will refuse (a vertex outside one's appointed units, a
// self-intersection) before saving; save with the attribute form; see a site's versions and
// restore one; resolve a conflicting save; see what changed since yesterday.
import {
  TerraDraw, TerraDrawPointMode, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawRectangleMode,
  TerraDrawSelectMode, TerraDrawSessionUndoRedo,
} from '/vendor/terra-draw/terra-draw.module.js';
import {TerraDrawMapLibreGLAdapter} from '/vendor/terra-draw-maplibre-gl-adapter.js';
import {Popup} from '/vendor/maplibre-gl/maplibre-gl.mjs';
import {text} from './messages.js';
import {area, length, outside, selfIntersects, unitsOf, vertices, nearest} from './geometry.js';

/** @typedef {import('./geometry.js').Geometry} Geometry */
/** @typedef {import('./geometry.js').Position} Position */
/** @typedef {import('./messages.js').Key} Key */
/** @typedef {{id: string, geometry: Geometry | null, properties: {name_zh: string, name_en?: string | null}}} Unit */
/** @typedef {{id: string, zh: string, en: string, colour: string}} ElementType */

/**
 * @typedef {object} Context
 * @property {import('maplibre-gl').Map} map
 * @property {import('./session.js').Me} me
 * @property {() => import('./messages.js').Lang} lang
 * @property {ElementType[]} types
 * @property {() => Unit[]} units  the sub-districts, for "falls in"
 */

const ITEMS = '/api/collections/sites/items';
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Starts the editor on `context.map`; returns whether a click on the map belongs to it.
 * @param {Context} context
 */
export async function startEditor(context) {
  const {map, me} = context;
  const t = (/** @type {Key} */ key, /** @type {Record<string, string | number>} */ values = {}) =>
    text(context.lang(), key, values);
  /** The units the planner is appointed to now, with their boundaries. @type {Unit[]} */
  const mandate = [];
  for (const code of new Set(me.appointments.filter((a) => a.in_force).flatMap((a) => a.units))) {
    const response = await fetch(`/api/collections/units/items/${encodeURIComponent(code)}`);
    if (response.ok) mandate.push(await response.json());
  }
  const areas = /** @type {Geometry[]} */ (mandate.map((u) => u.geometry).filter(Boolean));
  /** Vertices to snap to: unit boundaries and the sites in view. @type {Position[]} */
  let snapTargets = [];
  const state = {
    snapping: true,
    /** @type {string | number | null} */ drawn: null,
    /** @type {{id: number, etag: string, feature: any} | null} */ editing: null,
    /** @type {any} */ conflict: null,
  };

  const snap = {
    toCustom: (/** @type {{lng: number, lat: number}} */ event) => state.snapping
      ? nearest([event.lng, event.lat], snapTargets, (p) => map.project(p), 12) : undefined,
  };
  const editable = {feature: {draggable: true, coordinates: {draggable: true, deletable: true, midpoints: true, snappable: snap}}};
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({map}),
    modes: [
      new TerraDrawPointMode({editable: true}),
      new TerraDrawLineStringMode({snapping: snap, editable: true}),
      new TerraDrawPolygonMode({snapping: snap, editable: true}),
      new TerraDrawRectangleMode(),
      new TerraDrawSelectMode({flags: {polygon: editable, linestring: editable, rectangle: editable,
        point: {feature: {draggable: true}}}}),
    ],
    undoRedo: {sessionLevel: new TerraDrawSessionUndoRedo()},
  });
  draw.start();

  const panel = document.createElement('section');
  panel.id = 'editor';
  panel.innerHTML = `
    <h2 data-t="editTitle"></h2>
    <div class="tools" role="toolbar">
      <button type="button" id="draw-point" data-mode="point" data-t="drawPoint"></button>
      <button type="button" id="draw-line" data-mode="linestring" data-t="drawLine"></button>
      <button type="button" id="draw-polygon" data-mode="polygon" data-t="drawPolygon"></button>
      <button type="button" id="draw-rectangle" data-mode="rectangle" data-t="drawRectangle"></button>
      <button type="button" id="draw-select" data-mode="select" data-t="selectEdit"></button>
      <button type="button" id="undo" data-t="undo"></button>
      <button type="button" id="redo" data-t="redo"></button>
      <label><input type="checkbox" id="snap" checked> <span data-t="snapping"></span></label>
    </div>
    <p id="measure" aria-live="polite"></p>
    <p id="shape-units"></p>
    <ul id="constraints" aria-live="polite"></ul>
    <form id="site-form">
      <p id="editing-what"></p>
      <label><span data-t="name"></span> <input id="site-name" required maxlength="200"></label>
      <label><span data-t="elementType"></span> <select id="site-type"></select></label>
      <label><span data-t="description"></span> <textarea id="site-description" rows="2"></textarea></label>
      <label><span data-t="status"></span> <select id="site-status"></select></label>
      <label><span data-t="message"></span> <input id="site-message" maxlength="2000"></label>
      <button type="submit" id="save" data-t="save"></button>
      <button type="button" id="new-site" data-t="newSite"></button>
    </form>
    <p id="save-result" aria-live="assertive"></p>
    <section id="conflict" hidden>
      <h3 data-t="conflictTitle"></h3><p data-t="conflictText"></p>
      <button type="button" id="keep-mine" data-t="keepMine"></button>
      <button type="button" id="take-theirs" data-t="takeTheirs"></button>
    </section>
    <details id="history"><summary data-t="history"></summary><ol id="versions"></ol></details>
    <button type="button" id="changes-yesterday" data-t="changesYesterday"></button>
    <ul id="changes"></ul>`;
  document.body.append(panel);
  const form = /** @type {HTMLFormElement} */ (byId('site-form'));
  const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));
  let refusal = /** @type {Popup | null} */ (null);

  function render() {
    for (const el of panel.querySelectorAll('[data-t]')) el.textContent = t(/** @type {Key} */ (/** @type {HTMLElement} */ (el).dataset.t));
    const lang = context.lang();
    const type = /** @type {HTMLSelectElement} */ (byId('site-type'));
    const chosen = type.value;
    type.replaceChildren(...context.types.map((x) => new Option(lang === 'zh' ? x.zh : x.en, x.id)));
    type.value = chosen || context.types[0]?.id;
    const status = /** @type {HTMLSelectElement} */ (byId('site-status'));
    const current = status.value || 'draft';
    status.replaceChildren(new Option(t('draft'), 'draft'), new Option(t('published'), 'published'));
    status.value = current;
    byId('editing-what').textContent = state.editing ? t('editingSite', {id: state.editing.id}) : t('newSiteHint');
    for (const b of panel.querySelectorAll('[data-mode]')) {
      b.setAttribute('aria-pressed', String(draw.getMode() === /** @type {HTMLElement} */ (b).dataset.mode));
    }
    describe();
  }

  /** The shape being drawn or edited, as GeoJSON. @returns {Geometry | null} */
  function shape() {
    const feature = state.drawn == null ? undefined : draw.getSnapshotFeature(state.drawn);
    return feature ? /** @type {Geometry} */ (feature.geometry) : null;
  }

  const number = (/** @type {number} */ n) => new Intl.NumberFormat(context.lang() === 'zh' ? 'zh-CN' : 'en').format(Math.round(n));
  const unitName = (/** @type {Unit} */ u) => (context.lang() === 'en' && u.properties.name_en) || u.properties.name_zh;

  /** The live measures and constraints of the shape. */
  function describe() {
    const g = shape();
    const constraints = byId('constraints');
    constraints.replaceChildren();
    if (!g || vertices(g).length === 0) {
      byId('measure').textContent = t('needShape');
      byId('shape-units').textContent = '';
      return;
    }
    const m2 = area(g);
    const m = length(g);
    byId('measure').textContent = m2 > 0 ? `${t('area')}: ${number(m2)} m²`
      : m > 0 ? `${t('length')}: ${number(m)} m` : t('point');
    const inUnits = unitsOf(g, [...context.units(), ...mandate]);
    const names = [...new Set(inUnits.map(unitName))];
    byId('shape-units').textContent = `${t('inUnits')}: ${names.join('、') || '—'}`;
    const warn = (/** @type {string} */ className, /** @type {string} */ message) => {
      const li = document.createElement('li');
      li.className = className;
      li.textContent = message;
      constraints.append(li);
    };
    // Service tokens and district-wide roles have no units: the server judges those.
    if (areas.length) {
      const out = outside(g, areas);
      if (out.length) warn('outside', t('outsideMandate', {n: out.length, units: mandate.map(unitName).join('、')}));
    } else if (!me.roles.includes('admin')) {
      warn('outside', t('noMandate'));
    }
    if (selfIntersects(g)) warn('self-intersection', t('selfIntersection'));
  }

  /** Keeps one shape: a new one replaces the one before. */
  draw.on('finish', (id) => {
    if (state.drawn != null && state.drawn !== id && draw.hasFeature(state.drawn)) draw.removeFeatures([state.drawn]);
    state.drawn = id;
    describe();
  });
  draw.on('change', () => describe());

  for (const b of panel.querySelectorAll('[data-mode]')) {
    b.addEventListener('click', () => {
      // A refusal shown over the map would catch the clicks of the next drawing.
      refusal?.remove();
      draw.setMode(/** @type {string} */ (/** @type {HTMLElement} */ (b).dataset.mode));
      if (draw.getMode() === 'select' && state.drawn != null && draw.hasFeature(state.drawn)) draw.selectFeature(state.drawn);
      render();
    });
  }
  byId('undo').addEventListener('click', () => { draw.undo(); describe(); });
  byId('redo').addEventListener('click', () => { draw.redo(); describe(); });
  field('snap').addEventListener('change', () => { state.snapping = field('snap').checked; });

  /** Refreshes the snapping targets: the appointed units' boundaries and the sites in view. */
  async function loadSnapTargets() {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(',');
    const response = await fetch(`${ITEMS}?bbox=${bbox}&limit=1000`, {credentials: 'same-origin'});
    const sites = response.ok ? (await response.json()).features : [];
    snapTargets = [...areas.flatMap(vertices), ...sites.flatMap((/** @type {any} */ f) => vertices(f.geometry))];
  }
  map.on('moveend', loadSnapTargets);
  await loadSnapTargets();

  /** Puts `geometry` in the editor as the shape, replacing any. @param {Geometry} geometry */
  function load(geometry) {
    draw.clear();
    const mode = geometry.type === 'Point' ? 'point' : geometry.type === 'LineString' ? 'linestring' : 'polygon';
    const id = crypto.randomUUID();
    draw.addFeatures([{type: 'Feature', id, geometry: /** @type {any} */ (geometry), properties: {mode}}]);
    state.drawn = id;
  }

  /** Opens site `id` for editing: its geometry, its content, its versions. @param {number} id */
  async function edit(id) {
    const response = await fetch(`${ITEMS}/${id}`, {credentials: 'same-origin'});
    if (!response.ok) return;
    const feature = await response.json();
    state.editing = {id, etag: /** @type {string} */ (response.headers.get('etag')), feature};
    load(feature.geometry);
    const p = feature.properties;
    field('site-name').value = p.name;
    /** @type {HTMLSelectElement} */ (byId('site-type')).value = p.element_type;
    /** @type {HTMLTextAreaElement} */ (byId('site-description')).value = p.description ?? '';
    /** @type {HTMLSelectElement} */ (byId('site-status')).value = p.status;
    render();
    await showHistory();
  }

  function startNew() {
    refusal?.remove();
    state.editing = null;
    state.conflict = null;
    byId('conflict').hidden = true;
    draw.clear();
    state.drawn = null;
    form.reset();
    byId('versions').replaceChildren();
    render();
  }
  byId('new-site').addEventListener('click', startNew);

  /** What the form and the shape say, as a Feature. @param {Geometry} geometry */
  function feature(geometry) {
    const description = /** @type {HTMLTextAreaElement} */ (byId('site-description')).value.trim();
    const message = field('site-message').value.trim();
    return {
      type: 'Feature',
      geometry,
      properties: {
        name: field('site-name').value.trim(),
        element_type: /** @type {HTMLSelectElement} */ (byId('site-type')).value,
        description: description || null,
        status: /** @type {HTMLSelectElement} */ (byId('site-status')).value,
      },
      ...(message ? {message} : {}),
    };
  }

  /**
   * Sends a change with the session's CSRF token.
   * @param {string} method @param {string} url @param {any} [body] @param {string} [etag]
   */
  function send(method, url, body, etag) {
    /** @type {Record<string, string>} */
    const headers = {'content-type': 'application/geo+json'};
    if (me.csrf_token) headers['x-csrf-token'] = me.csrf_token;
    if (etag) headers['if-match'] = etag;
    return fetch(url, {method, headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : undefined});
  }

  /** The server's refusal, next to the shape and in the panel, in the planner's language. */
  async function refuse(/** @type {Response} */ response, /** @type {Geometry} */ geometry) {
    const problem = await response.json().catch(() => ({}));
    const key = /** @type {Key} */ (({400: 'refused400', 403: 'refused403', 413: 'refused413', 422: 'refused422', 429: 'refused429'})[response.status] ?? 'refusedOther');
    const message = `${t(key)} ${problem.detail ?? ''}`.trim();
    const result = byId('save-result');
    result.className = 'refused';
    result.textContent = message;
    refusal?.remove();
    const element = document.createElement('p');
    element.className = 'refusal';
    element.textContent = message;
    refusal = new Popup({closeButton: true, className: 'refusal-popup', maxWidth: '20rem'})
      .setLngLat(vertices(geometry)[0]).setDOMContent(element).addTo(map);
  }

  /** The blueprint tiles again, so the map shows what was saved. */
  function refreshTiles() {
    const source = /** @type {any} */ (map.getSource('blueprint'));
    if (source?.tiles) source.setTiles(source.tiles);
  }

  /** Saves the shape and the form: a new site, or a new version of the one being edited. */
  async function save(/** @type {string | undefined} */ etag = state.editing?.etag) {
    const geometry = shape();
    const result = byId('save-result');
    result.className = '';
    if (!geometry || !form.reportValidity()) {
      result.textContent = geometry ? t('needName') : t('needShape');
      return;
    }
    const body = feature(geometry);
    const response = state.editing
      ? await send('PUT', `${ITEMS}/${state.editing.id}`, body, etag)
      : await send('POST', ITEMS, body);
    if (response.status === 412 && state.editing) return conflict(body);
    if (!response.ok) return refuse(response, geometry);
    refusal?.remove();
    const saved = await response.json();
    state.editing = {id: saved.id, etag: /** @type {string} */ (response.headers.get('etag')), feature: saved};
    state.conflict = null;
    byId('conflict').hidden = true;
    result.className = 'saved';
    result.textContent = t('saved', {id: saved.id, version: saved.properties.version});
    field('site-message').value = '';
    refreshTiles();
    render();
    await showHistory();
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); save(); });

  /** Someone saved the site since it was opened: show theirs beside mine, and let the planner choose. */
  async function conflict(/** @type {any} */ mine) {
    if (!state.editing) return;
    const response = await fetch(`${ITEMS}/${state.editing.id}`, {credentials: 'same-origin'});
    const theirs = await response.json();
    state.conflict = {mine, theirs, etag: response.headers.get('etag')};
    show('theirs', theirs.geometry);
    const box = byId('conflict');
    box.hidden = false;
    /** @type {HTMLElement} */ (box.querySelector('p')).textContent = t('conflictText', {name: theirs.properties.name, author: theirs.properties.updated_by ?? '',
      version: theirs.properties.version});
  }
  byId('keep-mine').addEventListener('click', async () => {
    if (!state.conflict || !state.editing) return;
    const etag = state.conflict.etag;
    show('theirs', null);
    await save(etag);
  });
  byId('take-theirs').addEventListener('click', async () => {
    if (!state.conflict || !state.editing) return;
    show('theirs', null);
    await edit(state.editing.id);
    state.conflict = null;
    byId('conflict').hidden = true;
  });

  /** Draws `geometry` on an overlay `name` (an old version, theirs, changes), or clears it. */
  function show(/** @type {string} */ name, /** @type {any} */ data) {
    const id = `editor-${name}`;
    const collection = data?.type === 'FeatureCollection' ? data
      : {type: 'FeatureCollection', features: data ? [{type: 'Feature', geometry: data, properties: {}}] : []};
    const source = /** @type {any} */ (map.getSource(id));
    if (source) {
      source.setData(collection);
      return;
    }
    const colour = name === 'theirs' ? '#d9480f' : name === 'old' ? '#7048e8' : ['match', ['get', 'change'],
      'inserted', '#2b8a3e', 'updated', '#1971c2', 'deleted', '#c92a2a', '#555'];
    map.addSource(id, {type: 'geojson', data: collection});
    map.addLayer({id: `${id}-fill`, type: 'fill', source: id, filter: ['==', ['geometry-type'], 'Polygon'],
      paint: {'fill-color': /** @type {any} */ (colour), 'fill-opacity': 0.15}});
    map.addLayer({id: `${id}-line`, type: 'line', source: id, filter: ['!=', ['geometry-type'], 'Point'],
      paint: {'line-color': /** @type {any} */ (colour), 'line-width': 2.5, 'line-dasharray': [2, 1]}});
    map.addLayer({id: `${id}-point`, type: 'circle', source: id, filter: ['==', ['geometry-type'], 'Point'],
      paint: {'circle-color': /** @type {any} */ (colour), 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2}});
  }

  /** The site's versions: who, when, why; each can be shown beside the current one or restored. */
  async function showHistory() {
    const list = byId('versions');
    list.replaceChildren();
    if (!state.editing) return;
    const response = await fetch(`${ITEMS}/${state.editing.id}/history`, {credentials: 'same-origin'});
    if (!response.ok) return;
    const versions = (await response.json()).features;
    /** @type {HTMLDetailsElement} */ (byId('history')).open = true;
    for (const v of versions.slice().reverse()) {
      const p = v.properties;
      const li = document.createElement('li');
      li.dataset.version = String(p.version);
      const when = new Date(p.at).toLocaleString(context.lang() === 'zh' ? 'zh-CN' : 'en', {timeZone: 'Asia/Shanghai'});
      const what = document.createElement('span');
      what.textContent = `${t('version', {n: p.version})} · ${t(/** @type {Key} */ (p.change))} · ${p.author ?? ''} · ${when}${p.message ? ` · ${p.message}` : ''}`;
      const look = document.createElement('button');
      look.type = 'button';
      look.className = 'show-version';
      look.textContent = t('show');
      look.addEventListener('click', () => show('old', v.geometry));
      const back = document.createElement('button');
      back.type = 'button';
      back.className = 'restore-version';
      back.textContent = t('restore');
      back.disabled = p.version === versions[versions.length - 1].properties.version;
      back.addEventListener('click', () => restore(v));
      li.append(what, look, back);
      list.append(li);
    }
  }

  /** A new version equal to an old one. @param {any} version */
  async function restore(version) {
    if (!state.editing) return;
    const p = version.properties;
    load(version.geometry);
    field('site-name').value = p.name;
    /** @type {HTMLSelectElement} */ (byId('site-type')).value = p.element_type;
    /** @type {HTMLTextAreaElement} */ (byId('site-description')).value = p.description ?? '';
    /** @type {HTMLSelectElement} */ (byId('site-status')).value = p.status;
    field('site-message').value = t('restoredFrom', {version: p.version});
    show('old', null);
    await save();
  }

  /** What changed on the blueprint since this time yesterday, listed and drawn. */
  byId('changes-yesterday').addEventListener('click', async () => {
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const response = await fetch(`/api/collections/sites/changes?from=${encodeURIComponent(since)}`, {credentials: 'same-origin'});
    const list = byId('changes');
    if (!response.ok) {
      list.replaceChildren();
      return;
    }
    const changes = await response.json();
    list.replaceChildren(...changes.features.map((/** @type {any} */ f) => {
      const li = document.createElement('li');
      li.className = f.properties.change;
      li.dataset.id = String(f.id);
      li.textContent = `${t(f.properties.change)} · ${f.properties.name}`;
      return li;
    }));
    if (!changes.features.length) {
      const li = document.createElement('li');
      li.textContent = t('noChanges');
      list.append(li);
    }
    show('changes', {type: 'FeatureCollection', features: changes.features.map((/** @type {any} */ f) =>
      ({type: 'Feature', geometry: f.geometry, properties: {change: f.properties.change}}))});
  });

  render();
  return {
    /** Whether the map's clicks are the editor's (drawing), not a site's popup. */
    drawing: () => ['point', 'linestring', 'polygon', 'rectangle', 'select'].includes(draw.getMode()),
    /** Opens a site for editing. */
    edit,
    /** Re-labels the panel in the page's language. */
    render,
  };
}
