// @ts-check
// Who is signed in, on the map page's header: a sign-in link for the public; for a planner
// their name, their appointments (with whether each is in force) and sign-out.
import {text} from './messages.js';
import {signOut} from './session.js';

/**
 * Fills `container` for `me` (null: the public) in `lang`; `unitName` names a unit code.
 * @param {HTMLElement} container
 * @param {import('./session.js').Me | null} me
 * @param {import('./messages.js').Lang} lang
 * @param {(code: string) => string} unitName
 */
export function renderAccount(container, me, lang, unitName) {
  if (!me) {
    const link = document.createElement('a');
    link.id = 'signin';
    link.href = lang === 'en' ? '/login?lang=en' : '/login';
    link.textContent = text(lang, 'signIn');
    container.replaceChildren(link);
    return;
  }
  const name = (lang === 'en' && me.user?.display_en) || me.user?.display_zh || me.author;
  const details = document.createElement('details');
  details.id = 'me';
  // Re-rendered (the language switched, unit names arrived), it stays as the user left it.
  details.open = /** @type {HTMLDetailsElement | null} */ (container.querySelector('#me'))?.open ?? false;
  const summary = document.createElement('summary');
  summary.textContent = name;
  summary.title = `${text(lang, 'signedInAs')}: ${me.author}`;
  const heading = document.createElement('h2');
  heading.textContent = text(lang, 'myAppointments');
  const list = document.createElement('ul');
  list.className = 'appointments';
  for (const a of me.appointments) {
    const li = document.createElement('li');
    li.className = a.in_force ? 'in-force' : 'not-in-force';
    const where = a.units.map(unitName).join('、');
    const state = text(lang, a.in_force ? 'inForce' : 'notInForce');
    li.textContent = `${text(lang, a.kind)} · ${where} · ${a.starts_on} ${text(lang, 'until')} ${a.ends_on} (${state})`;
    list.append(li);
  }
  if (!me.appointments.length) {
    const li = document.createElement('li');
    li.textContent = text(lang, 'noAppointments');
    list.append(li);
  }
  const out = document.createElement('button');
  out.type = 'button';
  out.id = 'signout';
  out.textContent = text(lang, 'signOut');
  out.addEventListener('click', async () => {
    await signOut(me);
    location.reload();
  });
  const suffix = lang === 'en' ? '?lang=en' : '';
  const links = document.createElement('p');
  links.className = 'links';
  for (const [href, key] of /** @type {const} */ ([['/service', 'svcTitle'], ['/evaluations', 'evTitle']])) {
    const a = document.createElement('a');
    a.href = `${href}${suffix}`;
    a.textContent = text(lang, key);
    links.append(a, ' ');
  }
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.append(heading, list, links, out);
  details.append(summary, panel);
  container.replaceChildren(details);
}
