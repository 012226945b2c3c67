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
    editTitle: '绘制点位', drawPoint: '点', drawLine: '线', drawPolygon: '面', drawRectangle: '矩形', selectEdit: '编辑节点',
    undo: '撤销', redo: '重做', snapping: '吸附', name: '名称', elementType: '要素类型', description: '说明', status: '状态',
    message: '修改说明', save: '保存', newSite: '新建', conflictTitle: '他人已修改此点位',
    conflictText: '{author} 已保存第 {version} 版（“{name}”，橙色虚线）。请选择保留哪一个。', keepMine: '保留我的', takeTheirs: '采用对方的',
    history: '历史版本', changesYesterday: '昨天以来的变化', draft: '草案', published: '已公布', editingSite: '正在编辑点位 {id}',
    newSiteHint: '新点位：在地图上绘制，再填写信息', needShape: '请先在地图上绘制', area: '面积', length: '长度', point: '点',
    inUnits: '所在单元', outsideMandate: '有 {n} 个节点在您受聘的单元（{units}）之外，保存将被拒绝',
    noMandate: '您目前没有有效聘任，保存将被拒绝', selfIntersection: '边界自相交，保存将被拒绝',
    refused400: '请求有误：', refused403: '无权在此保存：', refused413: '图形过大：', refused422: '图形或内容无效：',
    refused429: '操作过于频繁，请稍后再试：', refusedOther: '保存失败：', saved: '已保存：点位 {id}，第 {version} 版',
    needName: '请填写名称', version: '第 {n} 版', create: '新建', replace: '替换', update: '修改', delete: '删除', show: '查看',
    restore: '恢复', restoredFrom: '恢复到第 {version} 版', inserted: '新增', updated: '修改', deleted: '删除',
    noChanges: '昨天以来没有变化', editThis: '编辑此点位',
    needsTitle: '社区需求', needsHint: '移动地图，让图钉指向需要改善的地方，然后填写：', needCategory: '类别',
    needText: '您的需求', needContact: '联系方式（选填，不会公开）', needFollow: '进展通过邮件告诉我',
    needSubmit: '提交需求', needRefused: '提交失败：', needTooMany: '提交过于频繁，请稍后再试。',
    receiptTitle: '已收到您的需求', receiptHint: '请保存回执码，用它查看办理进展。', trackLink: '查看进展',
    trackingTitle: '需求进展', needStatus: '当前状态：', feedLink: '订阅进展（Atom）', trackNotFound: '没有找到这个回执码。',
    step_received: '已收到', step_accepted: '已受理', step_declined: '不予采纳', step_merged: '已合并到其他需求',
    step_answered: '已立项', step_project_stage: '项目进展', step_meeting: '召开会议', step_publication: '公示',
    step_survey: '满意度调查', step_reopened: '重新受理',
    dashTitle: '统计看板', subdistrictWord: '街道/镇', dashWholeDistrict: '全区', dashProjects: '项目', dashPlanned: '计划资金（元）',
    dashSpent: '已支出（元）', dashNeeds: '需求', dashMedian: '首次答复中位天数', dashEmpty: '暂无数据',
    dash_projects_by_stage: '项目（按阶段）', dash_projects_by_element_type: '项目（按要素类型）', dash_projects_by_year: '项目（按年度计划）',
    dash_funding_by_source: '资金（按来源）', dash_needs_by_status: '需求（按状态）', dash_needs_by_category: '需求（按类别）',
    dash_needs_by_gap: '需求（按生活圈缺口）', dash_reserve: '储备', dash_proposal: '项目提议', dash_hearing_held: '已召开听证会',
    dash_approved: '已立项', dash_design: '设计中', dash_funded: '资金落实', dash_in_construction: '施工中', dash_completed: '已竣工',
    dash_reviewed: '已评议', dash_in_operation: '运营中', dash_withdrawn: '已撤销', dash_autonomy_fund: '自治金',
    dash_community_foundation: '社区基金会', dash_maintenance_fund: '维修资金', dash_fiscal: '财政资金', dash_partner_units: '共建单位',
    dash_residents: '居民自筹', dash_property_owner: '产权单位',
    posterTitle: '{unit}社区蓝图', posterSubtitle: '社区规划师与居民共同编制 · 一图三会', legendWord: '图例', posterProjects: '更新项目（按年度与阶段）',
    supportButton: '我也需要（{n}）',
    stagesTitle: '项目进程', meetingsTitle: '会议（一图三会）', fundingTitle: '资金（计划 / 已支出，元）', photosTitle: '改造前后',
    surveysTitle: '满意度调查', publicationsTitle: '公示', commentsCount: '{n} 条意见', commentHint: '您对公示内容的意见',
    commentSend: '提交意见', commentThanks: '已收到您的意见，谢谢。', projectMissing: '没有找到这个项目，或尚未公布。',
    voteLine: '赞成 {for} · 反对 {against} · 弃权 {abstain}', peopleCount: '{n} 人参加', photoBefore: '改造前', photoAfter: '改造后',
    surveyLine: '{n} 位居民参与，{share}% 满意，平均 {score} 分', viewProject: '查看项目',
    moderationTitle: '需求审核', supportsWord: '{n} 人支持', flagsWord: '{n} 次举报', contactWord: '联系方式',
    walkTo: '步行至最近的{name} {m} 米（生活圈 {limit} 米）', walkNone: '{m} 米内没有{name}', reasonHint: '理由（不予采纳或隐藏时必填，居民可见）',
    mergeHint: '合并到需求编号', accept: '受理', decline: '不予采纳', merge: '合并', hide: '隐藏', moderationSignIn: '请先登录。',
    gapLine: '{n} 条需求距最近的{name}超过 {m} 米', openNeeds: '待处理（已收到和已受理）',
    posterYear: '年度', posterStage: '阶段', posterPrint: '打印 / 保存为 PDF', posterPng: '下载 PNG', posterFooter: '公示日期：{date} · lantu 蓝图',
  },
  en: {
    signIn: 'Sign in', signOut: 'Sign out', login: 'Login name', password: 'Password', signInTitle: 'Community planners: sign in',
    signInHint: 'Use the login name and password the planning bureau gave you.', wrong: 'Wrong login name or password.',
    tooMany: 'Too many attempts; try again in {s} s.', failed: 'Signing in failed; please try again later.',
    backToMap: 'Back to the map', myAppointments: 'My appointments', noAppointments: 'No appointments',
    inForce: 'in force', notInForce: 'not (yet) in force', until: 'until', signedInAs: 'Signed in', switchTo: '中文',
    chief: 'Chief planner team', advisory: 'Community-building advisory team', subdistrict: 'Sub-district planner team',
    designer: 'Project designer team', operations: 'Operations planner team',
    editTitle: 'Draw a site', drawPoint: 'Point', drawLine: 'Line', drawPolygon: 'Polygon', drawRectangle: 'Rectangle',
    selectEdit: 'Edit vertices', undo: 'Undo', redo: 'Redo', snapping: 'Snap', name: 'Name', elementType: 'Element type',
    description: 'Description', status: 'Status', message: 'Why this change', save: 'Save', newSite: 'New',
    conflictTitle: 'Someone else changed this site',
    conflictText: '{author} saved version {version} ("{name}", dashed orange). Choose which to keep.', keepMine: 'Keep mine',
    takeTheirs: 'Take theirs', history: 'Versions', changesYesterday: 'Changes since yesterday', draft: 'Draft',
    published: 'Published', editingSite: 'Editing site {id}', newSiteHint: 'New site: draw it on the map, then fill in the form',
    needShape: 'Draw a shape on the map first', area: 'Area', length: 'Length', point: 'Point', inUnits: 'Falls in',
    outsideMandate: '{n} vertices lie outside your appointed units ({units}): saving will be refused',
    noMandate: 'You hold no appointment in force: saving will be refused',
    selfIntersection: 'The boundary crosses itself: saving will be refused', refused400: 'The request is wrong:',
    refused403: 'You may not save here:', refused413: 'The shape is too large:', refused422: 'The shape or content is invalid:',
    refused429: 'Too many changes; try again shortly:', refusedOther: 'Saving failed:', saved: 'Saved: site {id}, version {version}',
    needName: 'Give the site a name', version: 'Version {n}', create: 'created', replace: 'replaced', update: 'changed',
    delete: 'deleted', show: 'Show', restore: 'Restore', restoredFrom: 'Restored version {version}', inserted: 'New',
    updated: 'Changed', deleted: 'Removed', noChanges: 'No changes since yesterday', editThis: 'Edit this site',
    needsTitle: 'Community needs', needsHint: 'Move the map until the pin points at the place, then tell us:',
    needCategory: 'Category', needText: 'What is needed', needContact: 'Contact (optional, never public)',
    needFollow: 'Tell me of each step by e-mail', needSubmit: 'Submit', needRefused: 'Not submitted:',
    needTooMany: 'Too many submissions; please try again later.', receiptTitle: 'Your need is received',
    receiptHint: 'Keep the receipt code: it shows what becomes of your need.', trackLink: 'Follow it',
    trackingTitle: 'What became of this need', needStatus: 'Now:', feedLink: 'Subscribe (Atom)',
    trackNotFound: 'No need has this receipt code.', step_received: 'Received', step_accepted: 'Accepted',
    step_declined: 'Declined', step_merged: 'Merged into another need', step_answered: 'Answered by a project',
    step_project_stage: 'Project', step_meeting: 'Meeting', step_publication: 'Published', step_survey: 'Satisfaction survey',
    step_reopened: 'Reopened',
    dashTitle: 'Dashboard', subdistrictWord: 'Sub-district', dashWholeDistrict: 'Whole district', dashProjects: 'Projects',
    dashPlanned: 'Planned (yuan)', dashSpent: 'Spent (yuan)', dashNeeds: 'Needs', dashMedian: 'Median days to a first answer',
    dashEmpty: 'Nothing yet', dash_projects_by_stage: 'Projects by stage', dash_projects_by_element_type: 'Projects by element type',
    dash_projects_by_year: 'Projects by plan year', dash_funding_by_source: 'Funding by source', dash_needs_by_status: 'Needs by status',
    dash_needs_by_category: 'Needs by category', dash_needs_by_gap: 'Needs by life-circle gap', dash_reserve: 'Reserve',
    dash_proposal: 'Proposal', dash_hearing_held: 'Hearing held', dash_approved: 'Approved', dash_design: 'In design',
    dash_funded: 'Funded', dash_in_construction: 'In construction', dash_completed: 'Completed', dash_reviewed: 'Reviewed',
    dash_in_operation: 'In operation', dash_withdrawn: 'Withdrawn', dash_autonomy_fund: 'Autonomy fund',
    dash_community_foundation: 'Community foundation', dash_maintenance_fund: 'Maintenance fund', dash_fiscal: 'Fiscal funds',
    dash_partner_units: 'Partner units', dash_residents: 'Residents', dash_property_owner: 'Property owner',
    posterTitle: 'Community blueprint: {unit}', posterSubtitle: 'Drawn by community planners with residents · one blueprint, three meetings',
    supportButton: 'I need this too ({n})',
    stagesTitle: 'Stages', meetingsTitle: 'Meetings (one blueprint, three meetings)', fundingTitle: 'Funding (planned / spent, yuan)',
    photosTitle: 'Before and after', surveysTitle: 'Satisfaction surveys', publicationsTitle: 'Publications',
    commentsCount: '{n} comments', commentHint: 'Your comment on what is published', commentSend: 'Send comment',
    commentThanks: 'Your comment is received. Thank you.', projectMissing: 'No such project, or not published yet.',
    voteLine: 'for {for} · against {against} · abstain {abstain}', peopleCount: '{n} people', photoBefore: 'Before',
    photoAfter: 'After', surveyLine: '{n} residents answered, {share}% satisfied, mean score {score}', viewProject: 'See the project',
    moderationTitle: 'Moderation queue', supportsWord: '{n} supports', flagsWord: '{n} flags', contactWord: 'Contact',
    walkTo: '{m} m walk to the nearest {name} (life circle: {limit} m)', walkNone: 'no {name} within {m} m',
    reasonHint: 'Reason (required to decline or hide; residents read it)', mergeHint: 'Merge into need number', accept: 'Accept',
    decline: 'Decline', merge: 'Merge', hide: 'Hide', moderationSignIn: 'Sign in first.',
    gapLine: '{n} needs sit more than {m} m from any {name}', openNeeds: 'Open (received and accepted)',
    legendWord: 'Legend', posterProjects: 'Renewal projects by year and stage', posterYear: 'Year', posterStage: 'Stage',
    posterPrint: 'Print / save as PDF', posterPng: 'Download PNG', posterFooter: 'Published {date} · lantu',
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
