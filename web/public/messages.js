// @ts-check
// The pages' words in Chinese and English: one catalogue, every string in both languages.

/** @typedef {'zh' | 'en'} Lang */

export const MESSAGES = {
  zh: {
    signIn: '登录', signOut: '退出', login: '登录名', password: '密码', signInTitle: '社区规划师登录',
    signInHint: '使用规划局分配的登录名和密码。', wrong: '登录名或密码错误。', tooMany: '尝试次数过多，请 {s} 秒后再试。',
    failed: '登录失败，请稍后重试。', backToMap: '返回地图', myAppointments: '我的聘任', noAppointments: '暂无聘任',
    inForce: '有效', notInForce: '未生效或已结束', until: '至', signedInAs: '已登录', switchTo: 'English',
    chief: '总规划师团队', advisory: '总社区营造顾问团队', subdistrict: '街镇社区规划师团队', designer: '项目设计师团队',
    operations: '运营策划师团队',
  },
  en: {
    signIn: 'Sign in', signOut: 'Sign out', login: 'Login name', password: 'Password', signInTitle: 'Community planners: sign in',
    signInHint: 'Use the login name and password the planning bureau gave you.', wrong: 'Wrong login name or password.',
    tooMany: 'Too many attempts; try again in {s} s.', failed: 'Signing in failed; please try again later.',
    backToMap: 'Back to the map', myAppointments: 'My appointments', noAppointments: 'No appointments',
    inForce: 'in force', notInForce: 'not (yet) in force', until: 'until', signedInAs: 'Signed in', switchTo: '中文',
    chief: 'Chief planner team', advisory: 'Community-building advisory team', subdistrict: 'Sub-district planner team',
    designer: 'Project designer team', operations: 'Operations planner team',
  },
};

/** @typedef {keyof typeof MESSAGES.zh} Key */

/** The page's language: `?lang=en` for English, Chinese otherwise. @returns {Lang} */
export function pageLanguage() {
  return new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
}

/**
 * The text for `key` in `lang`, with `{name}` placeholders filled from `values`.
 * @param {Lang} lang
 * @param {Key} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function text(lang, key, values = {}) {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}
