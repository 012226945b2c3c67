// @ts-check
// The browser session: who is signed in (GET /api/me), signing in (POST /api/session) and
// out (DELETE /api/session). The session lives in an HttpOnly cookie the page never sees;
// changes it makes carry the session's CSRF token, which only /api/me and the sign-in give.

/**
 * @typedef {object} Appointment
 * @property {number} id
 * @property {'chief' | 'advisory' | 'subdistrict' | 'designer' | 'operations'} kind
 * @property {string[]} units
 * @property {string} starts_on
 * @property {string} ends_on
 * @property {boolean} in_force
 */

/**
 * @typedef {object} Me
 * @property {string} author
 * @property {{display_zh: string, display_en: string | null, organisation: string | null} | null} user
 * @property {string[]} roles
 * @property {Appointment[]} appointments
 * @property {string | null} csrf_token
 */

/**
 * Who is signed in, or null for the public. The session cookie is HttpOnly; a second cookie
 * without a secret (`lantu_signed_in`) says whether there may be one to ask about.
 * @returns {Promise<Me | null>}
 */
export async function whoAmI() {
  if (!document.cookie.split(';').some((c) => c.trim().startsWith('lantu_signed_in='))) return null;
  const response = await fetch('/api/me', {credentials: 'same-origin'});
  return response.ok ? /** @type {Me} */ (await response.json()) : null;
}

/**
 * Signs in; resolves with the session, or rejects with the server's answer.
 * @param {string} login
 * @param {string} password
 * @returns {Promise<{ok: true} | {ok: false, status: number, retryAfter: number | null}>}
 */
export async function signIn(login, password) {
  const response = await fetch('/api/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({login, password}),
  });
  if (response.ok) return {ok: true};
  const retry = response.headers.get('retry-after');
  return {ok: false, status: response.status, retryAfter: retry ? Number(retry) : null};
}

/** Signs out (the CSRF token proves the page, not another site, asks). @param {Me} me */
export async function signOut(me) {
  await fetch('/api/session', {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: me.csrf_token ? {'x-csrf-token': me.csrf_token} : {},
  });
}
