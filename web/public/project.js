// @ts-check
// A project's public page (社区更新项目): its stage and the stages behind it, its meetings,
// funding, photos before and after, satisfaction surveys, and its publications (公示) with a
// comment form while the window is open.
import {MESSAGES, pageLanguage, text} from './messages.js';

const lang = pageLanguage();
/** @param {import('./messages.js').Key} key @param {Record<string, string | number>} [values] */
const t = (key, values) => text(lang, key, values);
/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} key */
const word = (key) => (`dash_${key}` in MESSAGES[lang] ? t(/** @type {import('./messages.js').Key} */ (`dash_${key}`)) : key);
/** @param {number} yuan */
const money = (yuan) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {maximumFractionDigits: 0}).format(yuan);
/** @param {string} day */
const date = (day) => new Date(day).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN');

/** @param {string} tag @param {string} content @param {string} [className] */
function node(tag, content, className) {
  const e = document.createElement(tag);
  e.textContent = content;
  if (className) e.className = className;
  return e;
}

/** A publication, with its comment form while comments are taken. @param {number} project @param {any} p */
function publication(project, p) {
  const box = document.createElement('div');
  box.className = 'publication';
  box.dataset.id = String(p.id);
  box.append(node('strong', p.subject), node('p', p.text),
    node('p', `${date(p.starts_on)} – ${date(p.ends_on)} · ${t('commentsCount', {n: p.comments})}`));
  const today = new Date().toISOString().slice(0, 10);
  if (p.comments_until && p.starts_on <= today && today <= p.comments_until) {
    const area = document.createElement('textarea');
    area.rows = 3;
    area.maxLength = 2000;
    area.placeholder = t('commentHint');
    const send = node('button', t('commentSend'));
    const said = node('p', '', 'thanks');
    send.addEventListener('click', async () => {
      const r = await fetch(`/api/projects/${project}/publications/${p.id}/comments`, {
        method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({text: area.value}),
      });
      said.textContent = r.ok ? t('commentThanks') : `${t('needRefused')} ${(await r.json()).detail ?? r.status}`;
      if (r.ok) area.value = '';
    });
    box.append(area, send, said);
  }
  return box;
}

async function main() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  el('lang').textContent = t('switchTo');
  el('lang').addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang'); else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
  for (const [id, key] of /** @type {const} */ ([['stage-label', 'posterStage'], ['stages-title', 'stagesTitle'],
    ['meetings-title', 'meetingsTitle'], ['funding-title', 'fundingTitle'], ['photos-title', 'photosTitle'],
    ['surveys-title', 'surveysTitle'], ['publications-title', 'publicationsTitle']])) {
    el(id).textContent = t(key);
  }
  const id = Number(/^\/projects\/(\d+)$/.exec(location.pathname)?.[1]);
  const response = await fetch(`/api/projects/${id}`);
  if (!response.ok) {
    el('missing').hidden = false;
    el('missing').textContent = t('projectMissing');
    return;
  }
  const p = (await response.json()).properties;
  document.title = p.name;
  el('name').textContent = p.name;
  el('stage').textContent = lang === 'en' ? p.stage_en : p.stage_zh;
  el('stage').dataset.stage = p.stage;
  el('description').textContent = p.description ?? '';
  el('stages').replaceChildren(...p.stages.map((/** @type {any} */ s) => node('li', `${word(s.stage)} · ${date(s.at)}`)));
  el('meetings').replaceChildren(...p.meetings.map((/** @type {any} */ m) => {
    const people = Object.values(m.attendance).reduce((/** @type {number} */ a, /** @type {any} */ b) => a + b, 0);
    const vote = m.motion ? ` · ${t('voteLine', {for: m.votes_for ?? 0, against: m.votes_against ?? 0, abstain: m.votes_abstain ?? 0})}` : '';
    const li = node('li', `${lang === 'en' ? m.kind_en : m.kind_zh} · ${date(m.held_on)} · ${m.place} · ${t('peopleCount', {n: people})}${vote}`);
    li.dataset.kind = m.kind;
    for (const a of m.attachments ?? []) {
      const link = document.createElement('a');
      link.href = `/api/projects/attachments/${a.id}`;
      link.textContent = a.name;
      li.append(' · ', link);
    }
    return li;
  }));
  el('funding').replaceChildren(...p.funding.map((/** @type {any} */ f) => {
    const tr = document.createElement('tr');
    tr.append(node('td', word(f.source)), node('td', money(f.planned), 'money'), node('td', money(f.spent), 'money'));
    return tr;
  }));
  el('photos').replaceChildren(...p.photos.map((/** @type {any} */ ph) => {
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.src = `/api/projects/photos/${ph.id}`;
    img.alt = t(ph.phase === 'before' ? 'photoBefore' : 'photoAfter');
    img.loading = 'lazy';
    figure.append(img, node('figcaption', img.alt));
    return figure;
  }));
  el('surveys').replaceChildren(...p.surveys.map((/** @type {any} */ s) =>
    node('li', t('surveyLine', {n: s.respondents, share: Math.round(s.satisfaction * 100), score: s.mean_score}))));
  el('publications').replaceChildren(...p.publications.map((/** @type {any} */ pub) => publication(id, pub)));
  document.body.dataset.ready = 'true';
}

main();
