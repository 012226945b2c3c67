// @ts-check
// A planner's service log (服务记录): what they did under each of their appointments — talks,
// consultations, reviews, meetings, site visits, petitions and mailbox letters answered — with
// the day, hours, place, people and files; the evaluation sheets count it.
import {whoAmI} from './session.js';
import {MESSAGES, pageLanguage, text} from './messages.js';
import {read, sendJson, upload} from './api.js';
import {el, fillWords, switchLanguage} from './page.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);

const KINDS = /** @type {const} */ (['training', 'consultation', 'design_review', 'meeting', 'site_visit', 'petition',
  'mailbox', 'work_meeting', 'research', 'guidance']);

/** @param {string} kind */
const kindName = (kind) => {
  const key = `svc_${kind}`;
  return key in MESSAGES[lang] ? t(/** @type {import('./messages.js').Key} */ (key)) : kind;
};

/** @type {import('./session.js').Me | null} */
let me = null;

/** Shows `message` (or hides the notice). @param {string} message */
function notice(message) {
  el('notice').hidden = !message;
  el('notice').textContent = message;
}

/** The records of the caller's appointments, newest first. */
async function showRecords() {
  const query = new URLSearchParams(location.search);
  const appointment = query.get('appointment');
  const list = await read(`/api/service-records${appointment ? `?appointment=${encodeURIComponent(appointment)}` : ''}`);
  const marked = query.get('record');
  const rows = (list?.records ?? []).map((/** @type {any} */ r) => {
    const tr = document.createElement('tr');
    tr.dataset.record = String(r.id);
    if (marked === String(r.id)) tr.className = 'marked';
    const files = document.createElement('td');
    for (const f of r.files) {
      const a = document.createElement('a');
      a.href = `/api/evaluations/files/${f.id}`;
      a.textContent = f.name;
      files.append(a, ' ');
    }
    for (const value of [r.held_on, kindName(r.kind), r.title, String(r.hours)]) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(td);
    }
    tr.append(files);
    const actions = document.createElement('td');
    if (me?.appointments.some((a) => a.id === r.appointment)) {
      const withdraw = document.createElement('button');
      withdraw.type = 'button';
      withdraw.className = 'withdraw';
      withdraw.textContent = t('svcWithdraw');
      withdraw.addEventListener('click', async () => {
        const gone = await sendJson(me, 'DELETE', `/api/service-records/${r.id}`, null);
        if (!gone.ok) return notice(`${t('refusedOther')} ${gone.detail}`);
        notice(t('svcWithdrawn', {title: r.title}));
        await showRecords();
      });
      actions.append(withdraw);
    }
    tr.append(actions);
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 6;
    td.textContent = t('svcEmpty');
    tr.append(td);
    rows.push(tr);
  }
  /** @type {HTMLElement} */ (el('records').querySelector('tbody')).replaceChildren(...rows);
  el('records').querySelector('tr.marked')?.scrollIntoView({block: 'center'});
  el('total').textContent = t('svcTotal', {n: list?.records?.length ?? 0, h: list?.hours ?? 0});
}

/** The unit checkboxes of the chosen appointment. */
function showUnits() {
  const chosen = me?.appointments.find((a) => String(a.id) === /** @type {HTMLSelectElement} */ (el('appointment')).value);
  const legend = /** @type {HTMLElement} */ (el('units').querySelector('legend'));
  el('units').replaceChildren(legend, ...(chosen?.units ?? []).map((code) => {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = code;
    box.checked = true;
    label.append(box, ` ${code}`);
    return label;
  }));
}

/** @param {SubmitEvent} event */
async function log(event) {
  event.preventDefault();
  const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (el(id)).value.trim();
  const body = {
    appointment: Number(value('appointment')),
    kind: value('kind'),
    held_on: value('held_on'),
    hours: Number(value('hours')),
    title: value('what'),
    notes: value('notes') || null,
    units: [...el('units').querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value),
    present: value('present').split(/[,，、]/).map((s) => s.trim()).filter(Boolean),
    attendance: value('attendance') ? Number(value('attendance')) : null,
    project: value('project') ? Number(value('project')) : null,
  };
  const logged = await sendJson(me, 'POST', '/api/service-records', body);
  if (!logged.ok) return notice(`${t('refusedOther')} ${logged.detail}`);
  const file = /** @type {HTMLInputElement} */ (el('file')).files?.[0];
  if (file) {
    const stored = await upload(me, `/api/service-records/${logged.json.id}/files`, file);
    if (!stored.ok) return notice(`${t('refusedOther')} ${stored.detail}`);
  }
  notice(t('svcLogged', {title: logged.json.title}));
  /** @type {HTMLFormElement} */ (el('log')).reset();
  showUnits();
  await showRecords();
}

async function start() {
  el('title').textContent = t('svcTitle');
  fillWords(lang);
  switchLanguage(lang);
  /** @type {HTMLAnchorElement} */ (el('sheets-link')).href = lang === 'en' ? '/evaluations?lang=en' : '/evaluations';
  el('sheets-link').textContent = t('svcMySheets');
  me = await whoAmI();
  if (!me) return notice(t('svcSignIn'));
  if (!me.appointments.length) notice(t('svcNoAppointment'));
  const appointments = /** @type {HTMLSelectElement} */ (el('appointment'));
  appointments.replaceChildren(...me.appointments.map((a) => new Option(
    `${t(a.kind)} · ${a.units.join('、')} · ${a.starts_on} – ${a.ends_on}`, String(a.id), false, a.in_force)));
  appointments.addEventListener('change', showUnits);
  /** @type {HTMLSelectElement} */ (el('kind')).replaceChildren(...KINDS.map((k) => new Option(kindName(k), k)));
  /** @type {HTMLInputElement} */ (el('held_on')).max = new Date().toISOString().slice(0, 10);
  showUnits();
  el('log').hidden = !me.appointments.length;
  el('log').addEventListener('submit', log);
  await showRecords();
  document.body.dataset.ready = 'true';
}

start();
