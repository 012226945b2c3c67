// @ts-check
// One evaluation sheet (考核表), printable: the template's groups and items, each item's points
// with how the records give them and the evidence, the evaluator's scores and reasons, the
// total out of 100 and the result with its consequence for renewal. Evaluators score, submit
// and confirm here; the planner whose sheet it is reads it as it fills and attaches the annual
// summary.
import {whoAmI} from './session.js';
import {MESSAGES, pageLanguage, text} from './messages.js';
import {read, sendJson, upload} from './api.js';
import {el, fillWords, switchLanguage} from './page.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} key @param {string} fallback */
const word = (key, fallback) => (key in MESSAGES[lang] ? t(/** @type {import('./messages.js').Key} */ (key)) : fallback);
/** The language's half of a pair. @param {{[k: string]: any}} o @param {string} field */
const pick = (o, field) => (lang === 'en' ? o[`${field}_en`] : o[`${field}_zh`]) ?? o[`${field}_zh`];

const id = Number(location.pathname.split('/').pop());
/** @type {import('./session.js').Me | null} */
let me = null;
let evaluator = false;

/** @param {string} message */
function notice(message) {
  el('notice').hidden = !message;
  el('notice').textContent = message;
}

/** @param {HTMLElement} parent @param {string} tag @param {string} content @param {string} [className] */
function add(parent, tag, content, className) {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  parent.append(node);
  return node;
}

/** The evidence of an item, metric by metric, each record linked. @param {any} sheet @param {any} item */
function evidence(sheet, item) {
  const box = document.createElement('div');
  box.className = 'evidence';
  for (const e of item.evidence) {
    const line = add(box, 'p', `${pick(e, 'name')}: ${e.value ?? '—'}`, 'metric');
    line.dataset.metric = e.metric;
    if (!e.records.length) {
      add(line, 'span', ` (${t('evEvidenceNone')})`);
      continue;
    }
    // Hours are every record of the period: the service log lists them, the sheet links it.
    if (e.metric === 'hours') {
      const a = document.createElement('a');
      a.href = `/service?appointment=${sheet.evaluated.appointment}${lang === 'en' ? '&lang=en' : ''}`;
      a.textContent = ` ${t('svcRecords')} (${e.records.length})`;
      line.append(a);
      continue;
    }
    const list = document.createElement('ul');
    for (const r of e.records) {
      const li = document.createElement('li');
      const label = [r.date, r.title, r.detail].filter(Boolean).join(' · ');
      if (r.href) {
        const a = document.createElement('a');
        a.href = r.href;
        a.textContent = label;
        li.append(a);
      } else li.textContent = label;
      list.append(li);
    }
    box.append(list);
  }
  return box;
}

/** The evaluator's controls of an item. @param {any} sheet @param {any} item */
function editor(sheet, item) {
  const form = document.createElement('form');
  form.className = 'score no-print';
  const points = document.createElement('input');
  points.type = 'number';
  points.className = 'points';
  points.min = '0';
  points.max = String(item.max);
  points.step = '0.5';
  points.value = item.points == null ? '' : String(item.points);
  const reason = document.createElement('input');
  reason.type = 'text';
  reason.className = 'reason';
  reason.placeholder = t('evReason');
  reason.value = item.adjusted?.reason ?? '';
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = t('evSave');
  form.append(points, reason, save);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await sendJson(me, 'PUT', `/api/evaluations/${sheet.id}/scores/${item.id}`,
      {points: points.value === '' ? null : Number(points.value), reason: reason.value || null});
    if (!saved.ok) return notice(`${t('evRefused')}${saved.detail}`);
    notice(t('evSaved'));
    show(saved.json);
  });
  return form;
}

/** @param {any} sheet */
function show(sheet) {
  const open = sheet.status !== 'confirmed';
  el('title').textContent = pick(sheet, 'template');
  const e = sheet.evaluated;
  const facts = [
    [t('evHolder'), e.holder], [t('evUnits'), e.units.join('、')], [t('evTerm'), `${e.starts_on} – ${e.ends_on}`],
    [t('evAppointedBy'), e.appointed_by], [t('evPeriod'), `${sheet.from} – ${sheet.to}`],
    [t('evStatus'), word(`ev_${sheet.status}`, sheet.status)],
    [t('evHours'), sheet.required_hours == null ? t('evHoursOnly', {h: sheet.hours}) : t('evHoursLine', {h: sheet.hours, need: sheet.required_hours})],
  ];
  if (sheet.summary) facts.push([t('evSummary'), sheet.summary.name]);
  if (sheet.confirmed_by) facts.push(['', t('evConfirmedBy', {by: sheet.confirmed_by, at: sheet.confirmed_at.slice(0, 10)})]);
  el('facts').replaceChildren(...facts.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
  const table = el('items');
  for (const old of table.querySelectorAll('tbody')) old.remove();
  const foot = /** @type {HTMLElement} */ (table.querySelector('tfoot'));
  for (const g of sheet.groups) {
    const body = document.createElement('tbody');
    body.dataset.group = g.id;
    g.items.forEach((/** @type {any} */ item, /** @type {number} */ i) => {
      const tr = document.createElement('tr');
      tr.dataset.item = item.id;
      if (i === 0) {
        add(tr, 'td', g.id, 'no').setAttribute('rowspan', String(g.items.length));
        const name = add(tr, 'td', pick(g, 'name'), 'group');
        name.setAttribute('rowspan', String(g.items.length));
        add(name, 'span', ` (${g.points} / ${g.max})`, 'group-points');
      }
      const cell = add(tr, 'td', '', 'item');
      add(cell, 'p', pick(item, 'text'), 'text');
      if (item.basis) add(cell, 'p', t('evComputed', {basis: item.basis}), 'basis');
      if (item.manual) add(cell, 'p', t('evGuide', {guide: pick(item.manual, 'guide')}), 'guide no-print');
      if (item.adjusted) {
        const by = add(cell, 'p', t('evAdjusted', {points: item.adjusted.points}), 'adjusted');
        if (item.adjusted.reason) add(by, 'span', ` · ${item.adjusted.reason}`);
      }
      if (item.evidence.length) cell.append(evidence(sheet, item));
      if (evaluator && open) cell.append(editor(sheet, item));
      add(tr, 'td', `0-${item.max}`, 'max');
      add(tr, 'td', item.points == null ? '' : String(item.points), 'points');
      body.append(tr);
    });
    table.insertBefore(body, foot);
  }
  el('max').textContent = `0-${sheet.max}`;
  el('total').textContent = String(sheet.total);
  const result = el('result');
  result.dataset.result = sheet.result.id;
  result.textContent = `${pick(sheet.result, 'name')}${lang === 'en' ? ': ' : '：'}${pick(sheet.result, 'consequence')}`;
  if (!sheet.complete) add(result, 'span', ` (${t('evProvisional')})`, 'provisional');
  el('source').textContent = sheet.source;
  el('missing').textContent = sheet.missing.length ? t('evMissing', {items: sheet.missing.join('、')}) : '';
  el('submit').hidden = !(evaluator && sheet.status === 'draft');
  el('confirm').hidden = !(evaluator && sheet.status === 'submitted');
  el('summary-form').hidden = !open;
  el('sheet').hidden = false;
  document.body.dataset.status = sheet.status;
}

/** Moves the sheet on (submit, confirm). @param {'submit' | 'confirm'} step */
async function move(step) {
  const moved = await sendJson(me, 'POST', `/api/evaluations/${id}/${step}`, {});
  if (!moved.ok) return notice(`${t('evRefused')}${moved.detail}`);
  notice('');
  show(moved.json);
}

async function start() {
  fillWords(lang);
  switchLanguage(lang);
  /** @type {HTMLAnchorElement} */ (el('back')).href = lang === 'en' ? '/evaluations?lang=en' : '/evaluations';
  el('print').addEventListener('click', () => window.print());
  me = await whoAmI();
  const today = new Date().toISOString().slice(0, 10);
  evaluator = !!me && (me.roles.includes('admin') || me.roles.includes('analyst')
    || me.appointments.some((a) => a.kind === 'chief' && a.in_force && a.starts_on <= today));
  const sheet = Number.isInteger(id) ? await read(`/api/evaluations/${id}`) : null;
  if (!sheet) {
    notice(me ? t('evMissingSheet') : t('evSignIn'));
    document.body.dataset.ready = 'true';
    return;
  }
  show(sheet);
  el('submit').addEventListener('click', () => move('submit'));
  el('confirm').addEventListener('click', () => move('confirm'));
  el('summary-upload').addEventListener('click', async () => {
    const file = /** @type {HTMLInputElement} */ (el('summary-file')).files?.[0];
    if (!file) return;
    const stored = await upload(me, `/api/evaluations/${id}/summary`, file);
    if (!stored.ok) return notice(`${t('evRefused')}${stored.detail}`);
    show(await read(`/api/evaluations/${id}`));
  });
  document.body.dataset.ready = 'true';
}

start();
