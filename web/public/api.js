// @ts-check
// Changes the signed-in pages send: JSON or a file, with the session's CSRF token, answered
// with the body and, on refusal, the problem's detail to show.

/**
 * @typedef {object} Answer
 * @property {boolean} ok
 * @property {number} status
 * @property {any} json
 * @property {string} detail The problem's detail on refusal ('' when ok).
 */

/** @param {Response} response @returns {Promise<Answer>} */
async function answer(response) {
  const json = await response.json().catch(() => null);
  const detail = response.ok ? '' : (json?.errors?.[0]?.detail ?? json?.detail ?? String(response.status));
  return {ok: response.ok, status: response.status, json, detail};
}

/**
 * Sends `body` as JSON.
 * @param {import('./session.js').Me | null} me
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 */
export async function sendJson(me, method, path, body) {
  return answer(await fetch(path, {
    method, credentials: 'same-origin',
    headers: {'content-type': 'application/json', 'x-csrf-token': me?.csrf_token ?? ''},
    body: JSON.stringify(body),
  }));
}

/**
 * Uploads `file` (a PDF or an image) to `path`, named as it is.
 * @param {import('./session.js').Me | null} me
 * @param {string} path
 * @param {File} file
 */
export async function upload(me, path, file) {
  const named = `${path}${path.includes('?') ? '&' : '?'}name=${encodeURIComponent(file.name)}`;
  return answer(await fetch(named, {
    method: 'POST', credentials: 'same-origin',
    headers: {'content-type': file.type || 'application/octet-stream', 'x-csrf-token': me?.csrf_token ?? ''},
    body: file,
  }));
}

/** GETs `path` as JSON; null when refused. @param {string} path */
export async function read(path) {
  const response = await fetch(path, {credentials: 'same-origin'});
  return response.ok ? response.json() : null;
}
