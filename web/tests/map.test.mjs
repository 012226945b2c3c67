// The public map in a real browser: Debian's chromium driven by playwright-core, against a
// lantu server started here on the demo data (the real Putuo units when ../shared/data is
// there). Screenshots are kept in test-artifacts/ at the project root.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, writeFileSync, readFileSync} from 'node:fs';
import {chromium} from 'playwright-core';
import {PNG} from 'pngjs';

const root = new URL('../../', import.meta.url).pathname;
const binary = process.env.LANTU_BIN ?? `${root}target/debug/lantu`;
const artifacts = `${root}test-artifacts`;
mkdirSync(artifacts, {recursive: true});

let server;
let base;
let browser;
/** Everything the server printed on standard output (the demo people's one-time passwords). */
let serverOutput = '';

/** Starts `lantu serve --demo` on a free port and resolves with its base URL. */
function startServer() {
  const dir = mkdtempSync('/tmp/lantu-browser-');
  server = spawn(binary, ['serve', '--demo', '--data-dir', dir, '--listen', '127.0.0.1:0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {...process.env, LANTU_LOG: 'warn'},
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`lantu did not start:\n${output}`)), 60_000);
    server.on('exit', (code) => reject(new Error(`lantu exited with ${code}:\n${output}`)));
    server.stdout.on('data', (chunk) => {
      output += chunk;
      serverOutput += chunk;
      const match = /lantu listening on (http:\/\/[0-9.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
}

before(async () => {
  base = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

const api = async (path) => (await fetch(`${base}${path}`)).json();

/** Opens the page at a view and waits until the map has drawn everything (`idle`). */
async function open(path, viewport = {width: 1280, height: 860}) {
  const page = await browser.newPage({viewport});
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded());
  await idle(page);
  return {page, requests, errors};
}

async function idle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.lantuMap;
    map.once('idle', resolve);
    map.triggerRepaint();
  }));
}

function png(buffer) {
  const image = PNG.sync.read(buffer);
  const at = (x, y) => {
    const i = (Math.round(y) * image.width + Math.round(x)) * 4;
    return [image.data[i], image.data[i + 1], image.data[i + 2]];
  };
  return {image, at};
}

/** Where a longitude/latitude is drawn, in page pixels (the map sits below the header). */
async function toPage(page, lngLat) {
  return page.evaluate((c) => {
    const map = window.lantuMap;
    const box = map.getContainer().getBoundingClientRect();
    const p = map.project(c);
    return [box.left + p.x, box.top + p.y];
  }, lngLat);
}

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const near = (a, b, tolerance) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
const blend = (fg, bg, alpha) => fg.map((v, i) => Math.round(alpha * v + (1 - alpha) * bg[i]));

/** The published demo site with this name, from the API. */
async function site(name) {
  const all = await api('/api/collections/sites/items?limit=1000');
  const found = all.features.find((f) => f.properties.name === name);
  assert.ok(found, `demo site ${name} is served`);
  return found;
}

test('the blueprint draws sub-districts, sites and Chinese labels from its own font, asking nothing of other hosts', async () => {
  const subdistricts = (await api('/api/collections/units/items?level=subdistrict')).features;
  assert.ok(subdistricts.length >= 2);
  const {page, requests, errors} = await open('/#13.2/31.248/121.425');
  const shot = await page.screenshot({path: `${artifacts}/blueprint-zh.png`});
  const {image, at} = png(shot);

  // Sub-districts: their fills cover much of the view.
  const background = hex('#f4f1ea');
  const fills = ['#dbe6f1', '#e3eedb', '#f1e4d6', '#e8dff0'].map((c) => blend(hex(c), background, 0.75));
  let filled = 0;
  for (let y = 80; y < image.height; y += 4) {
    for (let x = 0; x < image.width; x += 4) if (fills.some((f) => near(at(x, y), f, 4))) filled += 1;
  }
  const sampled = Math.floor((image.height - 80) / 4) * Math.floor(image.width / 4);
  assert.ok(filled / sampled > 0.3, `sub-district fills cover ${(100 * filled / sampled).toFixed(1)} % of the view`);

  // Sites: a point drawn in its element type's colour where it stands.
  const corner = await site('宜川路街角客厅');
  const [cx, cy] = await toPage(page, corner.geometry.coordinates);
  assert.ok(near(at(cx, cy), hex('#f3a712'), 40), `street corner pixel ${at(cx, cy)} at ${cx},${cy}`);
  const garden = await site('长寿路口袋花园');
  const ring = garden.geometry.coordinates[0];
  const centre = [(ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2];
  const [gx, gy] = await toPage(page, centre);
  const [r, g, b] = at(gx, gy);
  assert.ok(g > r + 20 && g > b + 20, `pocket garden pixel ${[r, g, b]} is green`);

  // Labels: drawn from the served font, one distinct glyph per character (not tofu boxes).
  const fontRequests = requests.filter((u) => u.startsWith(`${base}/fonts/noto-sans-sc/`));
  assert.ok(fontRequests.length > 0, 'the label font came from this server');
  const labels = await page.evaluate(() => window.lantuMap.queryRenderedFeatures({layers: ['unit-label']})
    .map((f) => ({name: f.properties.name_zh, point: f.geometry.coordinates})));
  assert.ok(labels.length >= 2, `labels shown: ${labels.map((l) => l.name)}`);
  const glyphs = await page.evaluate((text) => {
    const entry = window.lantuMap.style.glyphManager.entries['Noto Sans SC Regular'];
    return [...text].map((ch) => {
      const glyph = entry?.glyphs.default[ch];
      if (!glyph?.bitmap) return null;
      let hash = 0;
      for (const v of glyph.bitmap.data) hash = (hash * 31 + v) >>> 0;
      return {ch, width: glyph.bitmap.width, ink: glyph.bitmap.data.reduce((s, v) => s + (v > 128), 0), hash};
    });
  }, labels.map((l) => l.name).join(''));
  assert.ok(glyphs.every((g) => g && g.ink > 20), `every label character has a drawn glyph: ${JSON.stringify(glyphs.slice(0, 6))}`);
  const distinctChars = new Set(glyphs.map((g) => g.ch)).size;
  const distinctBitmaps = new Set(glyphs.map((g) => g.hash)).size;
  assert.equal(distinctBitmaps, distinctChars, 'each character has its own glyph, so none is a missing-glyph box');
  // And the label's ink is on screen where the label is.
  const label = labels[0];
  const [lx, ly] = await toPage(page, label.point);
  let ink = 0;
  for (let y = ly - 14; y < ly + 14; y += 1) {
    for (let x = lx - 60; x < lx + 60; x += 1) {
      if (x >= 0 && y >= 0 && x < image.width && y < image.height && near(at(x, y), hex('#1f3a5f'), 60)) ink += 1;
    }
  }
  assert.ok(ink > 40, `label ${label.name} shows ${ink} ink pixels`);

  const foreign = requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, [], 'no request left the server');
  assert.deepEqual(errors, []);
  await page.close();
});

test('clicking a site opens a popup with its name, type, status, units and size', async () => {
  const {page} = await open('/#15/31.2422/121.4303');
  const garden = await site('长寿路口袋花园');
  const ring = garden.geometry.coordinates[0];
  const centre = [(ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2];
  const [x, y] = await toPage(page, centre);
  await page.mouse.click(x, y);
  const popup = page.locator('.maplibregl-popup-content');
  await popup.locator('h3', {hasText: '长寿路口袋花园'}).waitFor();
  const text = await popup.innerText();
  assert.match(text, /口袋花园/);
  assert.match(text, /已公布/);
  for (const unit of garden.properties.unit_names) assert.ok(text.includes(unit), `${unit} in ${text}`);
  assert.match(text, /m²/);
  // The popup is set in the served font, which has every character of it (no boxes).
  const font = await page.evaluate(async (t) => {
    const family = getComputedStyle(document.querySelector('.maplibregl-popup-content h3')).fontFamily;
    await document.fonts.load(`16px ${family}`, t);
    return {family, complete: document.fonts.check('16px "Noto Sans SC"', t)};
  }, text);
  assert.match(font.family, /^"Noto Sans SC"/);
  assert.ok(font.complete, 'the served font covers the popup text');
  await page.screenshot({path: `${artifacts}/popup.png`});
  await page.close();
});

test('the English switch relabels the legend, the controls and the map', async () => {
  const {page} = await open('/#13/31.25/121.42');
  await page.click('#lang');
  await idle(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('#legend').innerText(), /Pocket garden/);
  const field = await page.evaluate(() => window.lantuMap.getLayoutProperty('unit-label', 'text-field'));
  assert.deepEqual(field, ['coalesce', ['get', 'name_en'], ['get', 'name_zh']]);
  await page.screenshot({path: `${artifacts}/blueprint-en.png`});
  await page.close();
});

test('choosing a sub-district highlights it and keeps only its sites', async () => {
  const subdistricts = (await api('/api/collections/units/items?level=subdistrict')).features;
  const sites = (await api('/api/collections/sites/items?limit=1000')).features;
  const target = subdistricts.find((s) => sites.some((f) => f.properties.units.includes(s.id)));
  const {page} = await open('/#12.5/31.25/121.41');
  await page.selectOption('#unit', target.id);
  await page.waitForFunction(() => !window.lantuMap.isMoving());
  await idle(page);
  const shown = await page.evaluate(() => window.lantuMap.queryRenderedFeatures({layers: ['site-fill', 'site-line', 'site-point']})
    .map((f) => f.properties.units));
  assert.ok(shown.length > 0, 'some sites remain');
  assert.ok(shown.every((u) => u.split(',').includes(target.id)), `only ${target.id}'s sites: ${shown}`);
  const highlighted = await page.evaluate(() => window.lantuMap.queryRenderedFeatures({layers: ['unit-highlight']}).length);
  assert.ok(highlighted > 0, 'the sub-district is outlined');
  await page.screenshot({path: `${artifacts}/filtered.png`});
  await page.close();
});

test('on a phone the page loads under a megabyte and a half, all of it compressed or cached', async () => {
  const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true, deviceScaleFactor: 2});
  const client = await page.context().newCDPSession(page);
  await client.send('Network.enable');
  let bytes = 0;
  client.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  await page.goto(`${base}/#13/31.25/121.42`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded());
  await idle(page);
  await page.screenshot({path: `${artifacts}/phone.png`});
  assert.equal(await page.evaluate(() => document.getElementById('legend').open), false, 'the legend starts folded');
  assert.ok(bytes < 1.5 * 1024 * 1024, `the page moved ${(bytes / 1024).toFixed(0)} KiB`);
  writeFileSync(`${artifacts}/phone-bytes.txt`, `${bytes}\n`);
  await page.close();
});

// Keep the JSON the page relies on in step with the server (read here, not re-declared).
test('the page reads its legend from the style the server serves', async () => {
  const style = await api('/style.json');
  const page = readFileSync(`${root}web/public/app.js`, 'utf8');
  assert.ok(page.includes("style.metadata['lantu:element_types']"));
  assert.equal(style.metadata['lantu:element_types'].length, 10);
});

test('the life-circle layer colours homes by walking distance band and the panel gives the shares the API gives', async () => {
  const coverage = await api('/api/coverage?category=metro_station');
  assert.ok(coverage.homes_total > 0, 'the demo has homes on the network');
  const gaps = await api('/api/coverage/uncovered?category=metro_station');
  const home = gaps.features.find((f) => f.properties.band === 'near');
  assert.ok(home, 'a home just beyond 800 m of a metro station');
  const ring = home.geometry.coordinates[0];
  const centre = [ring.reduce((s, c) => s + c[0], 0) / ring.length, ring.reduce((s, c) => s + c[1], 0) / ring.length];
  const {page, errors} = await open(`/#16/${centre[1]}/${centre[0]}`);
  const [x, y] = await toPage(page, centre);
  const before = png(await page.screenshot()).at(x, y);
  await page.selectOption('#category', 'metro_station');
  await page.locator('#coverage .summary', {hasText: '%'}).waitFor();
  await idle(page);
  const shot = await page.screenshot({path: `${artifacts}/life-circle.png`});
  const [r, g, b] = png(shot).at(x, y);
  assert.ok(r > 180 && g > 140 && b < before[2] - 40 && r >= g, `the near home is drawn yellow: ${[r, g, b]} (was ${before})`);
  const bands = await page.evaluate(() => window.lantuMap.queryRenderedFeatures({layers: ['coverage-fill']})
    .map((f) => f.properties.band));
  assert.ok(bands.includes('near'), `bands drawn: ${bands}`);
  const text = await page.locator('#coverage').innerText();
  const zh = new Intl.NumberFormat('zh-CN');
  assert.ok(text.includes(zh.format(coverage.population_covered)) && text.includes(zh.format(coverage.population_total)),
    `panel shows ${coverage.population_covered} / ${coverage.population_total}: ${text}`);
  assert.match(text, /估算/, 'estimated population is flagged');
  assert.deepEqual(errors, []);
  await page.close();
});

test('in isochrone mode a click draws the 15-minute walk and counts the people the API counts', async () => {
  // From inside a residential compound, so the walk reaches people.
  const gaps = await api('/api/coverage/uncovered?category=metro_station');
  const ring = gaps.features[0].geometry.coordinates[0];
  const centre = [ring.reduce((s, c) => s + c[0], 0) / ring.length, ring.reduce((s, c) => s + c[1], 0) / ring.length];
  const {page, errors} = await open(`/#14.5/${centre[1]}/${centre[0]}`);
  await page.click('#iso');
  const [cx, cy] = await toPage(page, centre);
  const lngLat = await page.evaluate(([px, py]) => {
    const map = window.lantuMap;
    const r = map.getContainer().getBoundingClientRect();
    return map.unproject([px - r.left, py - r.top]).toArray();
  }, [cx, cy]);
  await page.mouse.click(cx, cy);
  await page.locator('#coverage .iso', {hasText: 'km²'}).waitFor();
  await idle(page);
  const expected = await api(`/api/isochrone?lon=${lngLat[0]}&lat=${lngLat[1]}&minutes=15`);
  assert.ok(expected.properties.population > 0, 'the walk from a compound reaches its residents');
  const text = await page.locator('#coverage .iso').innerText();
  assert.ok(text.includes(new Intl.NumberFormat('zh-CN').format(expected.properties.population)), `${text} vs ${expected.properties.population}`);
  const drawn = await page.evaluate(([px, py]) => {
    const map = window.lantuMap;
    const r = map.getContainer().getBoundingClientRect();
    return map.queryRenderedFeatures([px - r.left, py - r.top], {layers: ['isochrone-fill']}).length;
  }, [cx, cy]);
  assert.ok(drawn > 0, 'the isochrone covers the clicked point');
  await page.screenshot({path: `${artifacts}/isochrone.png`});
  assert.deepEqual(errors, []);
  await page.close();
});

/** The one-time password the demo printed for `login`. */
function demoPassword(login) {
  const match = new RegExp(`^\\s+${login}\\s+(\\S+)`, 'm').exec(serverOutput);
  assert.ok(match, `the demo printed a password for ${login}:\n${serverOutput}`);
  return match[1];
}

test('a planner signs in, sees who they are and their appointment on the map, and signs out', async () => {
  const page = await browser.newPage({viewport: {width: 1280, height: 860}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/login?lang=en`);
  assert.equal(await page.textContent('h1'), 'Community planners: sign in');
  await page.fill('#login', 'changshou');
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  await page.waitForSelector('#problem:not([hidden])');
  assert.equal(await page.textContent('#problem'), 'Wrong login name or password.');

  await page.fill('#password', demoPassword('changshou'));
  await Promise.all([page.waitForURL(`${base}/?lang=en`), page.click('button[type=submit]')]);
  await page.waitForSelector('#me summary');
  assert.equal(await page.textContent('#me summary'), '长寿路社区规划师');
  // Unit names arrive with the map's unit list; until then the panel shows codes.
  await page.waitForFunction(() => !/\d{9}/.test(document.querySelector('#me li')?.textContent ?? '0'.repeat(9)));
  await page.click('#me summary');
  assert.ok(await page.isVisible('#signout'), 'the panel opens');
  const appointment = await page.textContent('#me li');
  assert.match(appointment, /^Sub-district planner team · [^·\d]+ · \d{4}-\d\d-\d\d until \d{4}-\d\d-\d\d \(in force\)$/);
  await page.screenshot({path: `${artifacts}/signed-in-en.png`});

  // The cookie carries the session: the API answers the page as the planner.
  const me = await page.evaluate(async () => (await fetch('/api/me')).json());
  assert.equal(me.author, 'changshou');
  assert.ok(me.csrf_token, 'the page gets the CSRF token its changes need');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('lantu_session'), 'the session cookie is HttpOnly');

  await Promise.all([page.waitForEvent('load'), page.click('#signout')]);
  await page.waitForSelector('#signin');
  assert.equal(await page.textContent('#signin'), 'Sign in');
  const after = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(after, 401, 'signed out, the cookie opens nothing');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sign-in page speaks Chinese by default and links back to the map', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  assert.equal(await page.textContent('h1'), '社区规划师登录');
  assert.equal(await page.textContent('label span'), '登录名');
  assert.equal(await page.getAttribute('#back', 'href'), '/');
  await page.close();
});

/** A page signed in as `login` (the demo's one-time password), at `path`, with the map drawn. */
async function signedIn(login, path) {
  const page = await browser.newPage({viewport: {width: 1280, height: 860}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${base}/login?lang=en`);
  await page.fill('#login', login);
  await page.fill('#password', demoPassword(login));
  await Promise.all([page.waitForURL(`${base}/?lang=en`), page.click('button[type=submit]')]);
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded());
  await page.waitForSelector('#editor #draw-polygon');
  await idle(page);
  return {page, errors, requests};
}

/** A square of `metres` a side around `centre`, as [lon, lat] corners. */
function square([lon, lat], metres) {
  const dLat = metres / 2 / 111_320;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  return [[lon - dLon, lat - dLat], [lon + dLon, lat - dLat], [lon + dLon, lat + dLat], [lon - dLon, lat + dLat]];
}

/** Clicks the vertices of a polygon on the map with the mouse, and closes it on the first. */
async function drawPolygon(page, corners) {
  await page.click('#draw-polygon');
  for (const corner of [...corners, corners[0]]) {
    const [x, y] = await toPage(page, corner);
    await page.mouse.click(x, y);
    await page.waitForTimeout(150);
  }
}

/** Clicks save and waits for the answer, which must be "saved" at `version`. */
async function save(page, version) {
  await page.evaluate(() => { document.querySelector('#save-result').className = 'waiting'; });
  await page.click('#save');
  await page.waitForSelector('#save-result.saved, #save-result.refused, #conflict:not([hidden])', {timeout: 10_000})
    .catch(async (e) => {
      await page.screenshot({path: `${artifacts}/editor-save-failed.png`});
      throw new Error(`no answer to save: "${await page.textContent('#save-result')}" (${e.message})`);
    });
  const result = await page.textContent('#save-result');
  assert.match(result, new RegExp(`(version|第) ${version}( 版)?$`), `saved at version ${version}: ${result}`);
}

/** A point well inside the planner's appointed unit, and that unit. */
async function insideMandate(page) {
  const {contains} = await import('../public/geometry.js');
  const me = await page.evaluate(async () => (await fetch('/api/me')).json());
  const code = me.appointments.find((a) => a.in_force).units[0];
  const unit = await api(`/api/collections/units/items/${code}`);
  const points = unit.geometry.coordinates.flat(2);
  const [minX, minY, maxX, maxY] = [Math.min(...points.map((p) => p[0])), Math.min(...points.map((p) => p[1])),
    Math.max(...points.map((p) => p[0])), Math.max(...points.map((p) => p[1]))];
  for (let fy = 0.5, step = 0; step < 40; step++) {
    const fx = 0.2 + 0.6 * ((step * 0.618) % 1);
    fy = 0.2 + 0.6 * ((step * 0.381) % 1);
    const centre = [minX + fx * (maxX - minX), minY + fy * (maxY - minY)];
    if (square(centre, 400).every((c) => contains(unit.geometry, c))) return {centre, unit, bbox: [minX, minY, maxX, maxY]};
  }
  throw new Error(`no 400 m square inside ${code}`);
}

test('a planner draws a polygon, sees its area and units, saves and publishes it, and the public map shows it', async () => {
  const {page, errors, requests} = await signedIn('changshou', '/?lang=en');
  const {centre, unit} = await insideMandate(page);
  await page.evaluate((c) => new Promise((resolve) => {
    window.lantuMap.jumpTo({center: c, zoom: 16});
    window.lantuMap.once('idle', resolve);
  }), centre);
  const corners = square(centre, 120);
  await drawPolygon(page, corners);
  await page.waitForFunction(() => /Area: [\d,]+ m²/.test(document.querySelector('#measure')?.textContent ?? ''));
  const measured = Number((await page.textContent('#measure')).replace(/[^\d]/g, ''));
  assert.ok(Math.abs(measured - 14_400) < 14_400 * 0.03, `a 120 m square measures ${measured} m²`);
  assert.match(await page.textContent('#shape-units'), new RegExp(unit.properties.name_zh));
  assert.equal(await page.locator('#constraints li').count(), 0, 'inside the mandate: nothing to warn');
  // Undo takes the drawing back, redo brings it again.
  await page.click('#undo');
  await page.waitForFunction(() => document.querySelector('#measure').textContent === 'Draw a shape on the map first');
  await page.click('#redo');
  await page.waitForFunction(() => /Area: [\d,]+ m²/.test(document.querySelector('#measure')?.textContent ?? ''));
  // A vertex dragged outwards in edit mode: the area grows as it moves.
  await page.click('#draw-select');
  const [vx, vy] = await toPage(page, corners[2]);
  await page.mouse.move(vx, vy);
  await page.mouse.down();
  await page.mouse.move(vx + 30, vy - 30, {steps: 5});
  await page.mouse.up();
  await page.waitForFunction((before) => Number(document.querySelector('#measure').textContent.replace(/[^\d]/g, '')) > before * 1.1,
    measured);

  const name = `测试口袋花园 ${Date.now()}`;
  await page.fill('#site-name', name);
  await page.selectOption('#site-type', 'pocket_garden');
  await page.fill('#site-message', 'first drawing');
  await page.click('#save');
  await page.waitForSelector('#save-result.saved');
  const saved = /site (\d+), version 1/.exec(await page.textContent('#save-result'));
  assert.ok(saved, await page.textContent('#save-result'));
  const id = Number(saved[1]);
  assert.equal((await fetch(`${base}/api/collections/sites/items/${id}`)).status, 404, 'a draft is not public');

  await page.selectOption('#site-status', 'published');
  await page.click('#save');
  await page.waitForFunction(() => /version 2/.test(document.querySelector('#save-result.saved')?.textContent ?? ''));
  await page.screenshot({path: `${artifacts}/editor-saved-en.png`});
  const stored = await api(`/api/collections/sites/items/${id}`);
  assert.equal(stored.properties.name, name);
  assert.equal(stored.properties.status, 'published');
  assert.equal(stored.geometry.type, 'Polygon');

  // The public map: the new site is drawn where it was drawn, in the pocket-garden colour.
  const pub = await open(`/#16/${centre[1]}/${centre[0]}`);
  const found = await pub.page.evaluate((n) => window.lantuMap.queryRenderedFeatures({layers: ['site-fill']})
    .some((f) => f.properties.name === n), name);
  assert.ok(found, 'the published site is on the public map');
  assert.ok(!pub.requests.some((u) => u.includes('editor.js') || u.includes('terra-draw')), 'the public page loads no editor');
  await pub.page.close();
  assert.ok(requests.every((u) => u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')),
    `nothing from other hosts: ${requests.filter((u) => !u.startsWith(base))}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a planner drawing across the edge of their area is warned before saving and refused after, restores a version, resolves a conflict and sees the changes since yesterday', async () => {
  const {page, errors} = await signedIn('changshou', '/');
  const {centre, bbox} = await insideMandate(page);
  // Three corners inside the appointed unit, one beyond its box: across its boundary.
  const [west, south, east] = bbox;
  const beyond = [east + (east - west) * 0.05, south - 0.001];
  const inside = square(centre, 120);
  await page.evaluate((b) => new Promise((resolve) => {
    window.lantuMap.fitBounds(b, {padding: 120, duration: 0});
    window.lantuMap.once('idle', resolve);
  }), [[Math.min(centre[0], beyond[0]) , Math.min(centre[1], beyond[1])], [Math.max(centre[0], beyond[0]), Math.max(centre[1], beyond[1])]]);
  await drawPolygon(page, [inside[0], beyond, inside[2], inside[3]]);
  await page.waitForSelector('#constraints li.outside');
  assert.match(await page.textContent('#constraints li.outside'), /^有 1 个节点在您受聘的单元（长寿路街道）之外/);
  await page.fill('#site-name', '越界的花园');
  await page.click('#save');
  await page.waitForSelector('#save-result.refused');
  assert.match(await page.textContent('#save-result'), /^无权在此保存：/, 'the refusal in the planner\'s language');
  assert.ok(await page.isVisible('.refusal-popup .refusal'), 'the refusal is shown beside the shape');
  await page.screenshot({path: `${artifacts}/editor-refused-zh.png`});
  const all = await page.evaluate(async () => (await fetch('/api/collections/sites/items?limit=1000')).json());
  assert.ok(!all.features.some((f) => f.properties.name === '越界的花园'), 'nothing was stored');

  // A site inside, changed twice; then version 1 restored as a new version.
  await page.click('#new-site');
  await page.evaluate((c) => new Promise((resolve) => {
    window.lantuMap.jumpTo({center: c, zoom: 16});
    window.lantuMap.once('idle', resolve);
  }), centre);
  await drawPolygon(page, square(centre, 80));
  await page.fill('#site-name', '第一版名称');
  await save(page, 1);
  await page.fill('#site-name', '第二版名称');
  await save(page, 2);
  const id = Number(/点位 (\d+)/.exec(await page.textContent('#save-result'))[1]);
  await page.click('#versions li[data-version="1"] .show-version');
  await page.waitForFunction(() => window.lantuMap.getSource('editor-old')?._data?.features?.length === 1
    || window.lantuMap.querySourceFeatures('editor-old').length > 0);
  await page.click('#versions li[data-version="1"] .restore-version');
  await page.waitForFunction(() => /第 3 版/.test(document.querySelector('#save-result.saved')?.textContent ?? ''));
  const history = await page.evaluate(async (i) => (await fetch(`/api/collections/sites/items/${i}/history`)).json(), id);
  const last = history.features.at(-1).properties;
  assert.deepEqual([last.version, last.name, last.message], [3, '第一版名称', '恢复到第 1 版']);
  assert.deepEqual(history.features.at(-1).geometry, history.features[0].geometry, 'the restored geometry is version 1\'s');

  // Someone else saves meanwhile: the planner's next save meets a conflict and keeps theirs... or mine.
  await page.evaluate(async (i) => {
    const me = await (await fetch('/api/me')).json();
    const response = await fetch(`/api/collections/sites/items/${i}`);
    const etag = response.headers.get('etag');
    await fetch(`/api/collections/sites/items/${i}`, {method: 'PATCH', body: JSON.stringify({properties: {name: '别人改的'}}),
      headers: {'content-type': 'application/merge-patch+json', 'if-match': etag, 'x-csrf-token': me.csrf_token}});
  }, id);
  await page.fill('#site-name', '我改的');
  await page.click('#save');
  await page.waitForSelector('#conflict:not([hidden])');
  assert.match(await page.textContent('#conflict p'), /别人改的/);
  await page.screenshot({path: `${artifacts}/editor-conflict-zh.png`});
  await page.click('#keep-mine');
  await page.waitForFunction(() => /第 5 版/.test(document.querySelector('#save-result.saved')?.textContent ?? ''));
  assert.equal((await page.evaluate(async (i) => (await fetch(`/api/collections/sites/items/${i}`)).json(), id)).properties.name, '我改的');

  await page.click('#changes-yesterday');
  await page.waitForSelector(`#changes li[data-id="${id}"]`);
  assert.equal(await page.textContent(`#changes li[data-id="${id}"]`), '新增 · 我改的');
  await page.screenshot({path: `${artifacts}/editor-changes-zh.png`});
  // The browser logs the two refusals the planner met (403 outside, 412 conflict); nothing else.
  assert.deepEqual(errors.map((e) => /status of (\d+)/.exec(e)?.[1] ?? e), ['403', '412']);
  await page.close();
});


/** The demo planner changshou (Basic credentials), the unit they are appointed to, and `count`
 * places well inside it (100 m squares), searched among steps `from` to `from + 39`: each test
 * its own forty, so no two tests put things in one place. */
async function changshouPlaces(count, from) {
  const auth = {Authorization: `Basic ${Buffer.from(`changshou:${demoPassword('changshou')}`).toString('base64')}`};
  const me = await (await fetch(`${base}/api/me`, {headers: auth})).json();
  const code = me.appointments.find((a) => a.in_force).units[0];
  const unit = await api(`/api/collections/units/items/${code}`);
  const {contains} = await import('../public/geometry.js');
  const points = unit.geometry.coordinates.flat(2);
  const box = [0, 1].map((i) => [Math.min(...points.map((p) => p[i])), Math.max(...points.map((p) => p[i]))]);
  const places = [];
  for (let step = from; step < from + 40 && places.length < count; step++) {
    const c = [box[0][0] + (0.2 + 0.6 * ((step * 0.618) % 1)) * (box[0][1] - box[0][0]),
      box[1][0] + (0.2 + 0.6 * ((step * 0.381) % 1)) * (box[1][1] - box[1][0])];
    if (square(c, 100).every((p) => contains(unit.geometry, p))) places.push(c);
  }
  assert.equal(places.length, count, `${count} places inside ${code}`);
  return {auth, code, unit, places};
}

test('a resident on a phone places a need, submits it, and follows it to the project that answers it', async () => {
  const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true, deviceScaleFactor: 2});
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => requests.push(r.url()));
  // Where the sub-district planner changshou may run projects.
  const {auth, code, unit, places: [place]} = await changshouPlaces(1, 0);

  await page.goto(`${base}/needs?lang=en`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded() && document.querySelectorAll('#category option').length > 5);
  assert.equal(await page.textContent('h1'), 'Community needs');
  await page.evaluate((c) => new Promise((resolve) => {
    window.lantuMap.jumpTo({center: c, zoom: 17});
    window.lantuMap.once('idle', resolve);
  }), place);
  await page.selectOption('#category', 'pocket_garden');
  await page.fill('#text', '街角堆满杂物，希望改成口袋花园');
  await page.fill('#contact', 'resident@example.cn');
  await page.check('#follow');
  await page.screenshot({path: `${artifacts}/needs-phone-form-en.png`});
  await page.tap('#submit');
  await page.waitForSelector('#receipt:not([hidden])');
  const receipt = (await page.textContent('#receipt-code')).trim();
  assert.match(receipt, /^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  await page.screenshot({path: `${artifacts}/needs-phone-receipt-en.png`});
  const tracked = await api(`/api/needs/track/${receipt}`);
  assert.equal(tracked.properties.status, 'received');
  const [lon, lat] = tracked.geometry.coordinates;
  assert.ok(Math.abs(lon - place[0]) < 1e-6 && Math.abs(lat - place[1]) < 1e-6, 'the need is where the pin pointed');
  assert.equal(tracked.properties.contact, undefined, 'the tracking view holds no contact');

  // The planner answers it with a project on a site there.
  const post = async (path, body, type = 'application/json') => {
    const r = await fetch(`${base}${path}`, {method: 'POST', headers: {...auth, 'content-type': type}, body: JSON.stringify(body)});
    assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
  const site = await post('/api/collections/sites/items', {type: 'Feature', geometry: {type: 'Point', coordinates: place},
    properties: {name: '街角口袋花园', element_type: 'pocket_garden', status: 'published'}}, 'application/geo+json');
  const project = await post('/api/projects', {name: '街角口袋花园项目', element_type: 'pocket_garden', sites: [site.id],
    needs: [tracked.id], plan_year: 2027});

  await page.tap('#track-link');
  await page.waitForURL(`${base}/needs/track/${receipt}?lang=en`);
  await page.waitForFunction(() => document.querySelector('#need-status')?.dataset.status === 'answered');
  assert.equal(await page.textContent('#need-status'), 'Answered by a project');
  const answered = await page.textContent('#trail li[data-kind="answered"]');
  // A draft project: the resident hears that one answers the need, not its name.
  assert.match(answered, /Answered by a project · 项目提议/);
  assert.doesNotMatch(answered, /街角口袋花园项目/);
  assert.equal(await page.locator('#trail li').count(), 2);
  assert.equal(await page.locator('#trail .project-link').count(), 0);
  // Published, the project is linked from the need's trail.
  const published = await fetch(`${base}/api/projects/${project.id}`, {method: 'PATCH', headers: {...auth, 'content-type': 'application/json'},
    body: JSON.stringify({published: true})});
  assert.equal(published.status, 200);
  await page.reload();
  await page.waitForSelector('#trail .project-link');
  await idle(page);
  await page.screenshot({path: `${artifacts}/needs-phone-tracking-en.png`});
  await Promise.all([page.waitForURL(`${base}/projects/${project.id}?lang=en`), page.tap('#trail .project-link')]);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('h1'), '街角口袋花园项目');
  // Light: no editor, no drawing library, none of the planners' modules.
  assert.deepEqual(requests.filter((u) => /editor|terra-draw|app\.js/.test(u)), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the dashboard charts every table for the district and a sub-district, each as CSV, with the API\'s figures', async () => {
  const page = await browser.newPage({viewport: {width: 1280, height: 900}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/dashboard?lang=en`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('h1'), 'Dashboard');
  const check = async (query) => {
    const board = await api(`/api/dashboard${query}`);
    assert.equal(await page.textContent('[data-total="dashProjects"] strong'), String(board.projects));
    assert.equal(await page.textContent('[data-total="dashNeeds"] strong'), String(board.needs));
    for (const [name, rows] of Object.entries(board.tables)) {
      const shown = await page.$$eval(`figure[data-table="${name}"] .bar`, (bars) => bars.map((b) => [b.dataset.key, Number(b.querySelector('.n').textContent)]));
      assert.deepEqual(shown, rows.map((r) => [r.key, r.count]), name);
      const href = await page.getAttribute(`figure[data-table="${name}"] a`, 'href');
      const csv = await (await fetch(`${base}${href}`)).text();
      assert.equal(csv.replace(/^\uFEFF/, '').trim().split('\r\n').length - 1, rows.length, `${name}.csv`);
    }
  };
  await check('');
  const units = await page.$$eval('#unit option', (o) => o.map((x) => x.value).filter(Boolean));
  assert.ok(units.length > 0, 'sub-districts to choose');
  await page.selectOption('#unit', units[0]);
  await page.waitForSelector(`body[data-shown="${units[0]}"]`);
  await check(`?unit=${units[0]}`);
  await page.screenshot({path: `${artifacts}/dashboard-en.png`, fullPage: true});
  assert.deepEqual(errors, []);
  await page.close();
});

test('a sub-district\'s blueprint prints as a poster with its published projects, as PDF and as PNG', async () => {
  const {auth, code, unit, places: [place]} = await changshouPlaces(1, 40);
  const post = async (path, body, type = 'application/json', method = 'POST') => {
    const r = await fetch(`${base}${path}`, {method, headers: {...auth, 'content-type': type}, body: JSON.stringify(body)});
    assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
  const site = await post('/api/collections/sites/items', {type: 'Feature', geometry: {type: 'Point', coordinates: place},
    properties: {name: '公示花园', element_type: 'pocket_garden', status: 'published'}}, 'application/geo+json');
  const shown = await post('/api/projects', {name: '公示花园项目', element_type: 'pocket_garden', sites: [site.id], plan_year: 2026});
  await post(`/api/projects/${shown.id}`, {published: true}, 'application/json', 'PATCH');
  const hidden = await post('/api/projects', {name: '未公布的项目', element_type: 'street_corner', sites: [site.id]});

  const page = await browser.newPage({viewport: {width: 1600, height: 1100}, acceptDownloads: true});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/poster?unit=${code}`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 60_000});
  assert.equal(await page.textContent('h1'), `${unit.properties.name_zh}社区蓝图`);
  const rows = await page.$$eval('#rows tr', (trs) => trs.map((tr) => [Number(tr.dataset.project), tr.cells[1].textContent, tr.cells[2].textContent, tr.cells[3].textContent]));
  assert.deepEqual(rows.find(([id]) => id === shown.id), [shown.id, '公示花园项目', '口袋花园', '项目提议']);
  // Exactly the sub-district's published projects, as the public reads them.
  const published = (await api(`/api/projects?subdistrict=${code}`)).projects.filter((p) => p.published).map((p) => p.id);
  assert.deepEqual(rows.map(([id]) => id).sort((a, b) => a - b), published.sort((a, b) => a - b), 'published projects only');
  assert.ok(!rows.some(([id]) => id === hidden.id));
  assert.ok(await page.locator('#legend-types li').count() >= 9, 'the element types in the legend');
  await page.screenshot({path: `${artifacts}/poster-zh.png`});
  const pdf = await page.pdf({format: 'A3', landscape: true, printBackground: true});
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  writeFileSync(`${artifacts}/poster-zh.pdf`, pdf);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#png')]);
  const file = `${artifacts}/poster-zh-download.png`;
  await download.saveAs(file);
  const png = PNG.sync.read(readFileSync(file));
  assert.ok(png.width >= 1600 && png.height > 1000, `${png.width}×${png.height}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a sub-district planner moderates the needs in their queue: sees the contact, declines with a reason, accepts', async () => {
  const {auth, places: inside} = await changshouPlaces(2, 80);
  const ids = [];
  for (const [i, c] of inside.entries()) {
    const r = await fetch(`${base}/api/collections/needs/items`, {method: 'POST', headers: {'content-type': 'application/geo+json'},
      body: JSON.stringify({type: 'Feature', geometry: {type: 'Point', coordinates: c},
        properties: {category: 'safety', text: `路口需要护栏 ${i}`, contact: `1390000000${i}`}})});
    assert.equal(r.status, 201);
    ids.push((await r.json()).need.id);
  }
  const page = await browser.newPage({viewport: {width: 1280, height: 900}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/login?lang=en`);
  await page.fill('#login', 'changshou');
  await page.fill('#password', demoPassword('changshou'));
  await Promise.all([page.waitForURL(`${base}/?lang=en`), page.click('button[type=submit]')]);
  await page.goto(`${base}/moderation?lang=en`);
  await page.waitForSelector(`article[data-id="${ids[0]}"]`);
  assert.equal(await page.textContent('h1'), 'Moderation queue');
  assert.match(await page.textContent(`article[data-id="${ids[0]}"] .meta`), /Contact 13900000000/);
  await page.screenshot({path: `${artifacts}/moderation-en.png`, fullPage: true});
  // Declining without a reason is refused, with the server's words.
  await page.click(`article[data-id="${ids[0]}"] .actions button:nth-child(2)`);
  await page.waitForSelector('#notice:not([hidden])');
  assert.match(await page.textContent('#notice'), /say why/);
  await page.fill(`article[data-id="${ids[0]}"] .reason`, '已有同类项目');
  await page.click(`article[data-id="${ids[0]}"] .actions button:nth-child(2)`);
  await page.waitForSelector(`article[data-id="${ids[0]}"]`, {state: 'detached'});
  await page.click(`article[data-id="${ids[1]}"] .actions button:nth-child(1)`);
  await page.waitForFunction((id) => /Accepted/.test(document.querySelector(`article[data-id="${id}"] h2`)?.textContent ?? ''), ids[1]);
  const declined = await (await fetch(`${base}/api/collections/needs/items/${ids[0]}`, {headers: auth})).json();
  assert.deepEqual([declined.properties.status, declined.properties.reason], ['declined', '已有同类项目']);
  assert.equal((await api(`/api/collections/needs/items/${ids[1]}`)).properties.status, 'accepted');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a resident reads a project\'s page on a phone, its meetings, funding and photos, and comments on its publication', async () => {
  const {auth, code, unit, places: [place]} = await changshouPlaces(1, 120);
  const send = async (path, body, type = 'application/json', method = 'POST') => {
    const r = await fetch(`${base}${path}`, {method, headers: {...auth, 'content-type': type}, body: type.startsWith('image/') ? body : JSON.stringify(body)});
    assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
  const site = await send('/api/collections/sites/items', {type: 'Feature', geometry: {type: 'Point', coordinates: place},
    properties: {name: '弄堂口', element_type: 'vibrant_alley', status: 'published'}}, 'application/geo+json');
  const project = await send('/api/projects', {name: '弄堂口微更新', element_type: 'vibrant_alley', sites: [site.id], plan_year: 2026});
  const path = `/api/projects/${project.id}`;
  await send(`${path}/meetings`, {kind: 'hearing', held_on: '2026-05-06', place: '居委会', attendance: {residents: 30, planners: 2},
    motion: '同意', votes_for: 28, votes_against: 1, votes_abstain: 3});
  await send(`${path}/funding`, {source: 'autonomy_fund', planned: 80000, spent: 30000});
  await send(`${path}/photos?phase=before`, readFileSync(`${root}fixtures/photos/street_corner_with_gps.jpg`), 'image/jpeg');
  const today = new Date().toISOString().slice(0, 10);
  await send(`${path}/publications`, {subject: '方案公示', text: '弄堂口将增设座椅与绿化', starts_on: today, ends_on: '2099-01-01', comments_until: '2099-01-01'});
  await send(path, {published: true}, 'application/json', 'PATCH');

  const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/projects/${project.id}?lang=en`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('h1'), '弄堂口微更新');
  assert.equal(await page.textContent('#stage'), 'Proposal');
  assert.match(await page.textContent('#meetings li[data-kind="hearing"]'), /Hearing · .* 32 people · for 28 · against 1 · abstain 3/);
  assert.match(await page.textContent('#funding'), /Autonomy fund80,00030,000/);
  await page.waitForFunction(() => document.querySelector('#photos img')?.naturalWidth > 0);
  await page.fill('.publication textarea', '希望座椅有靠背');
  await page.tap('.publication button');
  await page.waitForFunction(() => /received/.test(document.querySelector('.publication .thanks')?.textContent ?? ''));
  await page.screenshot({path: `${artifacts}/project-phone-en.png`, fullPage: true});
  const pubs = (await api(path)).properties.publications;
  const comments = await (await fetch(`${base}${path}/publications/${pubs[0].id}/comments`, {headers: auth})).json();
  assert.deepEqual(comments.map((c) => c.text), ['希望座椅有靠背']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a resident finds a need nearby on the phone map, reads it and supports it once', async () => {
  const {auth, code, unit, places: [place]} = await changshouPlaces(1, 160);
  const r = await fetch(`${base}/api/collections/needs/items`, {method: 'POST', headers: {'content-type': 'application/geo+json'},
    body: JSON.stringify({type: 'Feature', geometry: {type: 'Point', coordinates: place}, properties: {category: 'greenery', text: '这里缺少树荫'}})});
  const id = (await r.json()).need.id;
  const accepted = await fetch(`${base}/api/collections/needs/items/${id}/decision`, {method: 'POST',
    headers: {...auth, 'content-type': 'application/json'}, body: JSON.stringify({action: 'accept'})});
  assert.equal(accepted.status, 200);

  const page = await browser.newPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/needs?lang=en`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded());
  await page.evaluate((c) => new Promise((resolve) => {
    window.lantuMap.jumpTo({center: c, zoom: 17});
    window.lantuMap.once('idle', resolve);
  }), place);
  await page.waitForFunction(() => window.lantuMap.queryRenderedFeatures({layers: ['need-point']}).length > 0);
  const at = await page.evaluate((c) => { const p = window.lantuMap.project(c); return {x: p.x, y: p.y}; }, place);
  const mapBox = await page.locator('#map').boundingBox();
  await page.mouse.click(mapBox.x + at.x, mapBox.y + at.y);
  await page.waitForSelector('.need-popup');
  assert.match(await page.textContent('.need-popup'), /这里缺少树荫/);
  assert.equal(await page.textContent('.need-popup .support'), 'I need this too (0)');
  await page.tap('.need-popup .support');
  await page.waitForFunction(() => document.querySelector('.need-popup .support')?.textContent === 'I need this too (1)');
  await page.screenshot({path: `${artifacts}/needs-phone-nearby-en.png`});
  // A published project nearby opens its page.
  const send = async (path, body, type = 'application/json', method = 'POST') => {
    const res = await fetch(`${base}${path}`, {method, headers: {...auth, 'content-type': type}, body: JSON.stringify(body)});
    assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  const near = [place[0] + 0.0006, place[1]];
  const site = await send('/api/collections/sites/items', {type: 'Feature', geometry: {type: 'Point', coordinates: near},
    properties: {name: '树荫广场', element_type: 'tree_lined_street', status: 'published'}}, 'application/geo+json');
  const project = await send('/api/projects', {name: '树荫广场项目', element_type: 'tree_lined_street', sites: [site.id], needs: [id]});
  await send(`/api/projects/${project.id}`, {published: true}, 'application/json', 'PATCH');
  await page.goto(`${base}/needs?lang=en`);
  await page.waitForFunction(() => window.lantuMap?.isStyleLoaded());
  await page.evaluate((c) => new Promise((resolve) => {
    window.lantuMap.jumpTo({center: c, zoom: 17});
    window.lantuMap.once('idle', resolve);
  }), place);
  await page.waitForFunction(() => window.lantuMap.queryRenderedFeatures({layers: ['project-ring']}).length > 0, null, {timeout: 20_000});
  const pa = await page.evaluate((c) => { const p = window.lantuMap.project(c); return {x: p.x, y: p.y}; }, near);
  await page.mouse.click(mapBox.x + pa.x + 10, mapBox.y + pa.y);
  await page.waitForSelector('.project-popup a');
  assert.equal(await page.textContent('.project-popup a'), '树荫广场项目 · Proposal');
  await Promise.all([page.waitForURL(`${base}/projects/${project.id}?lang=en`), page.click('.project-popup a')]);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal((await api(`/api/collections/needs/items/${id}`)).properties.supports, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

/** A page signed in as `login` (the demo's one-time password), opened at `path` once ready. */
async function signedInAt(login, path) {
  const page = await browser.newPage({viewport: {width: 1280, height: 900}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/login?lang=en`);
  await page.fill('#login', login);
  await page.fill('#password', demoPassword(login));
  await Promise.all([page.waitForURL(`${base}/?lang=en`), page.click('button[type=submit]')]);
  await page.goto(`${base}${path}`);
  await page.waitForSelector('body[data-ready="true"]');
  return {page, errors};
}

const basicAuth = (login) => ({Authorization: `Basic ${Buffer.from(`${login}:${demoPassword(login)}`).toString('base64')}`});

test('a planner logs service and sees their sheet fill; an evaluator scores with reasons; the sheet prints with 7 groups and a total of 100', async () => {
  const planner = basicAuth('changshou');
  const asPlanner = async (path) => (await fetch(`${base}${path}`, {headers: planner})).json();
  const before = await asPlanner('/api/service-records');
  const day = new Date(Date.now() + 8 * 3600e3 - 3 * 86400e3).toISOString().slice(0, 10);

  // The planner logs a workshop with its sign-in sheet on the service page.
  const {page, errors} = await signedInAt('changshou', '/service?lang=en');
  assert.equal(await page.textContent('h1'), 'Service log');
  await page.selectOption('#kind', 'training');
  await page.fill('#held_on', day);
  await page.fill('#hours', '2.5');
  await page.fill('#what', '社区花园工作坊');
  await page.fill('#present', '居民代表, 街道城建办');
  await page.fill('#attendance', '25');
  await page.setInputFiles('#file', {name: 'sign-in.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n')});
  await page.click('#submit');
  await page.waitForFunction(() => /Logged/.test(document.querySelector('#notice')?.textContent ?? ''));
  const row = page.locator('#records tr', {hasText: '社区花园工作坊'});
  await row.waitFor();
  assert.equal(await row.locator('td').nth(1).textContent(), 'Training and talks');
  assert.equal(await row.locator('a').textContent(), 'sign-in.pdf');
  const after = await asPlanner('/api/service-records');
  assert.equal(after.hours, before.hours + 2.5);
  assert.equal(await page.textContent('#total'), `${after.records.length} records, ${after.hours} hours`);
  await page.screenshot({path: `${artifacts}/service-en.png`, fullPage: true});
  // A record logged by mistake is withdrawn from the same table.
  await page.selectOption('#kind', 'meeting');
  await page.fill('#held_on', day);
  await page.fill('#hours', '1');
  await page.fill('#what', '误记的会议');
  await page.click('#submit');
  const mistaken = page.locator('#records tr', {hasText: '误记的会议'});
  await mistaken.waitFor();
  await mistaken.locator('button.withdraw').click();
  await mistaken.waitFor({state: 'detached'});
  assert.match(await page.textContent('#notice'), /Withdrawn: 误记的会议/);
  assert.equal((await asPlanner('/api/service-records')).hours, after.hours);

  // The demo's term evaluation of the planner's appointment fills with the workshop.
  const [evaluation] = (await asPlanner('/api/evaluations')).evaluations;
  assert.ok(evaluation, 'the demo started an evaluation of the planner\'s term');
  await page.goto(`${base}/evaluations/${evaluation.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  const sheet = await asPlanner(`/api/evaluations/${evaluation.id}`);
  assert.equal(await page.locator('#items tbody[data-group]').count(), 7);
  assert.equal(await page.textContent('#max'), '0-100');
  assert.equal(await page.textContent('#total'), String(sheet.total));
  assert.equal(await page.textContent('#items thead th:first-child'), '序号');
  const events = page.locator('tr[data-item="6.1"] [data-metric="participation_events"] + ul li');
  assert.ok((await events.allTextContents()).some((t) => t.includes('社区花园工作坊')), 'the workshop is evidence of item 6.1');
  const item61 = sheet.groups[5].items[0];
  assert.equal(await page.textContent('tr[data-item="6.1"] td.points'), String(item61.points));
  assert.equal(await page.locator('form.score').count(), 0, 'the planner reads their sheet; they do not score it');
  const pdf = await page.pdf({format: 'A4', printBackground: true});
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  writeFileSync(`${artifacts}/evaluation-zh.pdf`, pdf);
  await page.screenshot({path: `${artifacts}/evaluation-zh.png`, fullPage: true});
  assert.deepEqual(errors, []);
  await page.close();

  // The analyst finds it in the district table and scores it.
  const {page: desk, errors: deskErrors} = await signedInAt('analyst', '/evaluations?lang=en');
  const line = desk.locator(`#table tr[data-appointment="${evaluation.appointment}"]`);
  assert.equal(await line.locator('td').nth(3).textContent(), String(after.hours));
  await Promise.all([desk.waitForURL(`${base}/evaluations/${evaluation.id}?lang=en`), line.locator('a').click()]);
  await desk.waitForSelector('body[data-ready="true"]');
  assert.equal(await desk.textContent('h1'), 'Binjiang resident-street planner term evaluation sheet');
  const scoreIt = async (item, points, reason) => {
    await desk.fill(`tr[data-item="${item}"] .points`, String(points));
    await desk.fill(`tr[data-item="${item}"] .reason`, reason);
    await desk.click(`tr[data-item="${item}"] form.score button`);
  };
  await scoreIt('7.1', 9, '');
  await desk.waitForFunction(() => document.querySelector('tr[data-item="7.1"] td.points')?.textContent === '9');
  // Changing what the records computed needs a reason: refused with the server's words, then saved.
  const computed = sheet.groups[2].items[0].computed;
  const lower = computed >= 3 ? computed - 3 : computed + 3;
  await scoreIt('3.1', lower, '');
  await desk.waitForFunction(() => /say why/.test(document.querySelector('#notice')?.textContent ?? ''));
  await scoreIt('3.1', lower, '其中一个项目仅电话咨询');
  await desk.waitForFunction((p) => document.querySelector('tr[data-item="3.1"] td.points')?.textContent === String(p), lower);
  assert.match(await desk.textContent('tr[data-item="3.1"] .adjusted'), /其中一个项目仅电话咨询/);
  const scored = await (await fetch(`${base}/api/evaluations/${evaluation.id}`, {headers: basicAuth('analyst')})).json();
  assert.equal(await desk.textContent('#total'), String(scored.total));
  const audit = await (await fetch(`${base}/api/audit?collection=evaluations&key=${evaluation.id}:3.1`, {headers: basicAuth('admin')})).json();
  assert.equal(JSON.parse(audit.entries[0].after).reason, '其中一个项目仅电话咨询');
  // On paper the evaluator's controls are gone.
  await desk.emulateMedia({media: 'print'});
  assert.equal(await desk.locator('form.score').first().isVisible(), false);
  await desk.screenshot({path: `${artifacts}/evaluation-print-en.png`, fullPage: true});
  assert.deepEqual(deskErrors.filter((e) => !e.includes('status of 422')), [], 'nothing failed but the refusal provoked');
  await desk.close();
});
