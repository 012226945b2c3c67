// @ts-check
// The sign-in page: a login name and password to POST /api/session, then back to the map.
import {pageLanguage, text} from './messages.js';
import {signIn} from './session.js';

const lang = pageLanguage();
/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
document.title = `${text(lang, 'signInTitle')} · lantu`;
for (const el of document.querySelectorAll('[data-i18n]')) {
  const key = /** @type {HTMLElement} */ (el).dataset.i18n;
  el.textContent = text(lang, /** @type {import('./messages.js').Key} */ (key));
}
const other = lang === 'zh' ? 'en' : 'zh';
const langLink = /** @type {HTMLAnchorElement} */ (byId('switch-lang'));
langLink.textContent = text(lang, 'switchTo');
langLink.href = other === 'en' ? '?lang=en' : '?';
langLink.lang = other;
const back = /** @type {HTMLAnchorElement} */ (byId('back'));
back.href = lang === 'en' ? '/?lang=en' : '/';

byId('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const problem = byId('problem');
  const login = /** @type {HTMLInputElement} */ (byId('login')).value.trim();
  const password = /** @type {HTMLInputElement} */ (byId('password')).value;
  const result = await signIn(login, password).catch(() => null);
  if (result?.ok) {
    location.assign(back.href);
    return;
  }
  problem.hidden = false;
  problem.textContent = !result ? text(lang, 'failed')
    : result.status === 429 ? text(lang, 'tooMany', {s: result.retryAfter ?? 60})
      : result.status === 401 ? text(lang, 'wrong') : text(lang, 'failed');
});
