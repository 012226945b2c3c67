// @ts-check
// What every page of the planners' pages shares: finding elements, filling `data-t` words
// from the catalogue, and the language switch.
import {text} from './messages.js';

/** @param {string} id */
export const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Fills every `[data-t]` element with its word in `lang`. @param {import('./messages.js').Lang} lang */
export function fillWords(lang) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const node of document.querySelectorAll('[data-t]')) {
    node.textContent = text(lang, /** @type {import('./messages.js').Key} */ (/** @type {HTMLElement} */ (node).dataset.t));
  }
}

/** The `#lang` button: the other language, the same page. @param {import('./messages.js').Lang} lang */
export function switchLanguage(lang) {
  const button = el('lang');
  button.textContent = text(lang, 'switchTo');
  button.addEventListener('click', () => {
    const url = new URL(location.href);
    if (lang === 'en') url.searchParams.delete('lang');
    else url.searchParams.set('lang', 'en');
    location.href = url.toString();
  });
}
