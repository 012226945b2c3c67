// @ts-check
// The moderation queue (审核队列) of a sub-district's planners: the needs in their units,
// newest first, with the residents' contacts, flags and the walk to the facilities each
// concerns, grouped by life-circle gap; accept, decline (with a reason residents read), merge,
// hide or restore each.
import {whoAmI} from './session.js';
import {pageLanguage, text} from './messages.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {import('./session.js').Me | null} */
let me = null;

/** Sends a decision on need `id`; the problem's detail on refusal. @param {number} id @param {object} body */
async function decide(id, body) {
  const response = await fetch(`/api/collections/needs/items/${id}/decision`, {
    method: 'POST', credentials: 'same-origin',
    headers: {'content-type': 'application/json', 'x-csrf-token': me?.csrf_token ?? ''},
    body: JSON.stringify(body),
  });
  if (response.ok) return null;
  return (await response.json()).detail ?? String(response.status);
}

/** @param {string} label @param {() => void} act */
function button(label, act) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', act);
  return b;
}

/** One need's card. @param {any} need */
function card(need) {
  const p = need.properties;
  const box = document.createElement('article');
  box.className = p.hidden ? 'need hidden-need' : 'need';
  box.dataset.id = String(need.id);
  const h = document.createElement('h2');
  h.textContent = `#${need.id} ${lang === 'en' ? p.category_en : p.category_zh} · ${lang === 'en' ? p.status_en : p.status_zh}`;
  const body = document.createElement('p');
  body.textContent = p.text;
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = [
    p.unit_names.join(' / '),
    new Date(p.submitted_at).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN'),
    t('supportsWord', {n: p.supports}),
    p.flags ? t('flagsWord', {n: p.flags}) : '',
    p.contact ? `${t('contactWord')} ${p.contact}` : '',
  ].filter(Boolean).join(' · ');
  const walks = document.createElement('ul');
  walks.className = 'walks';
  for (const w of p.nearest ?? []) {
    const li = document.createElement('li');
    li.className = w.within ? 'within' : 'gap';
    const name = lang === 'en' ? w.name_en : w.name_zh;
    li.textContent = w.distance_m == null
      ? t('walkNone', {name, m: w.searched_m})
      : t('walkTo', {name, m: w.distance_m, limit: w.threshold_m});
    walks.append(li);
  }
  const reason = document.createElement('input');
  reason.type = 'text';
  reason.className = 'reason';
  reason.placeholder = t('reasonHint');
  const into = document.createElement('input');
  into.type = 'text';
  into.className = 'into';
  into.placeholder = t('mergeHint');
  into.inputMode = 'numeric';
  const act = (/** @type {object} */ body) => async () => {
    const refused = await decide(need.id, body);
    el('notice').hidden = !refused;
    el('notice').textContent = refused ? `${t('refusedOther')} ${refused}` : '';
    if (!refused) await load();
  };
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(
    button(t('accept'), act({action: 'accept'})),
    button(t('decline'), () => act({action: 'decline', reason: reason.value})()),
    button(t('merge'), () => act({action: 'merge', into: Number(into.value)})()),
    p.hidden ? button(t('restore'), act({action: 'restore'})) : button(t('hide'), () => act({action: 'hide', reason: reason.value})()),
    reason, into,
  );
  box.append(h, body, meta, walks, actions);
  return box;
}

async function load() {
  const status = /** @type {HTMLSelectElement} */ (el('status')).value;
  const response = await fetch(`/api/needs/queue${status ? `?status=${status}` : ''}`, {credentials: 'same-origin'});
  if (!response.ok) {
    el('notice').hidden = false;
    el('notice').textContent = response.status === 401 ? t('moderationSignIn') : (await response.json()).detail;
    el('queue').replaceChildren();
    return;
  }
  const queue = await response.json();
  el('gaps').replaceChildren(...queue.gaps.map((/** @type {any} */ g) => {
    const p = document.createElement('p');
    p.dataset.facility = g.facility;
    p.textContent = t('gapLine', {n: g.needs.length, m: g.threshold_m, name: lang === 'en' ? g.name_en : g.name_zh});
    return p;
  }));
  el('queue').replaceChildren(...queue.needs.map(card));
  document.body.dataset.loaded = String(Date.now());
}

async function main() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  el('title').textContent = t('moderationTitle');
  el('status-label').textContent = t('status');
  el('lang').textContent = t('switchTo');
  el('lang').addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang'); else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
  const select = /** @type {HTMLSelectElement} */ (el('status'));
  for (const [value, key] of /** @type {const} */ ([['', 'openNeeds'], ['received', 'step_received'], ['accepted', 'step_accepted'],
    ['declined', 'step_declined'], ['merged', 'step_merged'], ['answered', 'step_answered']])) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = t(key);
    select.append(o);
  }
  select.addEventListener('change', load);
  me = await whoAmI();
  await load();
}

main();
