// The phone pages' Mongolian (traditional script, Unicode U+1800–U+18AF), shown in vertical
// columns beside the Chinese (docs/mongolian.md). Same keys as zh-CN.ts, a subset of them: a key
// missing here shows Chinese only. Suffixes are joined with U+202F (narrow no-break space), a
// final ᠠ/ᠡ after a separated stem with U+180E (MVS); {n}-style placeholders as in zh-CN.ts.
//
// A DRAFT for review: every entry must be read by a native speaker before it goes to the public,
// and the terms in REVIEW (administrative words with no settled everyday rendering) checked
// against 达拉特旗民政局's own bilingual documents first.
export default {
  app: {
    title: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ',
    back: 'ᠪᠤᠴᠠᠬᠤ',
    retry: 'ᠳᠠᠬᠢᠨ ᠲᠤᠷᠰᠢᠬᠤ',
    cancel: 'ᠪᠣᠯᠢᠬᠤ',
    next: 'ᠳᠠᠷᠠᠭᠠᠴᠢ ᠠᠯᠬᠤᠮ',
    prev: 'ᠡᠮᠦᠨᠡᠬᠢ ᠠᠯᠬᠤᠮ',
  },
  lang: {
    mn: 'ᠮᠣᠩᠭᠣᠯ',
  },
  home: {
    title: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ',
    apply: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠦᠬᠦ',
    cases: 'ᠮᠢᠨᠤ ᠬᠦᠰᠦᠯᠲᠡ',
    publicity: 'ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠬᠤ',
    roll: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠶᠢᠨ ᠨᠡᠷᠡᠰ',
  },
  login: {
    title: 'ᠭᠠᠷ ᠤᠲᠠᠰᠤ ᠪᠠᠷ ᠨᠡᠪᠲᠡᠷᠡᠬᠦ',
    intro: 'ᠭᠠᠷ ᠤᠲᠠᠰᠤᠨ ᠤ ᠨᠣᠮᠸᠷ ᠢᠶᠠᠨ ᠣᠷᠣᠭᠤᠯᠵᠤ ᠺᠣᠳ᠋ ᠠᠪᠴᠤ᠂ ᠮᠡᠳᠡᠭᠡᠨ ᠳᠦᠬᠢ ᠵᠢᠷᠭᠤᠭᠠᠨ ᠣᠷᠣᠨ ᠲᠣᠭ᠎ᠠ ᠶᠢ ᠣᠷᠣᠭᠤᠯᠤᠭᠠᠷᠠᠢ᠃',
    phone: 'ᠭᠠᠷ ᠤᠲᠠᠰᠤᠨ ᠤ ᠨᠣᠮᠸᠷ',
    code: 'ᠪᠠᠲᠤᠯᠭᠠᠵᠢᠭᠤᠯᠬᠤ ᠺᠣᠳ᠋',
    sendCode: 'ᠺᠣᠳ᠋ ᠠᠪᠬᠤ',
    submit: 'ᠨᠡᠪᠲᠡᠷᠡᠬᠦ',
  },
  cases: {
    title: 'ᠮᠢᠨᠤ ᠬᠦᠰᠦᠯᠲᠡ',
    new: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠦᠬᠦ',
    logout: 'ᠭᠠᠷᠬᠤ',
  },
  apply: {
    title: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠦᠬᠦ',
    steps: {
      programme: 'ᠶᠠᠮᠠᠷ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠦᠬᠦ',
      place: 'ᠲᠠ ᠬᠠᠮᠢᠭ᠎ᠠ ᠰᠠᠭᠤᠳᠠᠭ',
      applicant: 'ᠬᠦᠰᠡᠯᠲᠡ ᠭᠠᠷᠭᠠᠭᠴᠢ',
      members: 'ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠭᠡᠰᠢᠭᠦᠳ',
      notes: 'ᠣᠷᠣᠯᠭ᠎ᠠ᠂ ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ ᠪᠠ ᠶᠡᠬᠡ ᠵᠠᠷᠤᠯᠭ᠎ᠠ',
    },
    finish: 'ᠬᠠᠳᠠᠭᠠᠯᠠᠭᠠᠳ ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠤᠨ ᠵᠢᠷᠤᠭ ᠳᠠᠷᠤᠬᠤ',
  },
  sign: {
    title: 'ᠤᠩᠰᠢᠭᠠᠳ ᠭᠠᠷ ᠤᠨ ᠦᠰᠦᠭ ᠵᠢᠷᠤᠬᠤ',
    submit: 'ᠬᠦᠰᠡᠯᠲᠡ ᠲᠤᠲᠤᠯᠭᠠᠬᠤ',
  },
  status: {
    title: 'ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠠᠬᠢᠴᠠ',
    next: {
      submitted: 'ᠬᠦᠰᠡᠯᠲᠡ ᠲᠤᠲᠤᠯᠭᠠᠭᠳᠠᠪᠠ᠃ ᠰᠤᠮᠤ ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠢ ᠦᠵᠡᠵᠦ ᠪᠠᠶᠢᠨ᠎ᠠ᠃',
      needs_supplement: 'ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠳᠤᠲᠠᠭᠤ᠃ ᠳᠣᠣᠷᠠᠬᠢ ᠶᠢ ᠨᠡᠮᠡᠵᠦ ᠳᠠᠬᠢᠨ ᠲᠤᠲᠤᠯᠭᠠᠭᠠᠷᠠᠢ᠃',
      accepted: 'ᠬᠦᠰᠡᠯᠲᠡ ᠶᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠯᠠᠭ᠎ᠠ᠃ ᠭᠤᠷᠪᠠᠨ ᠠᠵᠢᠯ ᠤᠨ ᠡᠳᠦᠷ ᠦᠨ ᠳᠣᠲᠣᠷ᠎ᠠ ᠭᠡᠷ ᠲᠦ ᠢᠷᠡᠵᠦ ᠰᠤᠷᠪᠤᠯᠵᠢᠯᠠᠨ᠎ᠠ᠃',
      investigating: 'ᠠᠵᠢᠯᠲᠠᠨ ᠭᠡᠷ ᠲᠦ ᠢᠷᠡᠵᠦ ᠰᠤᠷᠪᠤᠯᠵᠢᠯᠠᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃',
      publicity: 'ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃',
      county_review: 'ᠬᠣᠰᠢᠭᠤᠨ ᠤ ᠢᠷᠭᠡᠨ ᠬᠡᠷᠡᠭ ᠦᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃',
      approved: 'ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠳᠠᠪᠠ᠃',
      rejected: 'ᠪᠠᠲᠤᠯᠠᠭᠳᠠᠭᠰᠠᠨ ᠦᠭᠡᠶ᠃ ᠰᠢᠯᠳᠠᠭᠠᠨ ᠢ ᠮᠡᠳᠡᠭᠳᠡᠯ ᠡᠴᠡ ᠦᠵᠡᠭᠡᠷᠡᠢ᠃',
      active: 'ᠰᠠᠷ᠎ᠠ ᠪᠦᠷᠢ ᠣᠯᠭᠣᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃',
    },
  },
  publicity: {
    short: 'ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠬᠤ',
    pickTitle: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠯ',
    title: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠯ',
    intro: 'ᠳᠣᠣᠷᠠᠬᠢ ᠨᠢ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠭᠳᠠᠵᠤ ᠪᠠᠶᠢᠭ᠎ᠠ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ᠃ ᠨᠥᠬᠥᠴᠡᠯ ᠳᠦ ᠲᠣᠬᠢᠷᠠᠬᠤ ᠦᠭᠡᠶ ᠪᠠᠶᠢᠳᠠᠯ ᠢ ᠮᠡᠳᠡᠬᠦ ᠪᠣᠯ ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ᠭᠠᠷᠭᠠᠵᠤ ᠪᠣᠯᠣᠨ᠎ᠠ᠃',
    hotline: 'ᠬᠢᠨᠠᠨ ᠬᠢᠶᠠᠬᠤ ᠤᠲᠠᠰᠤ',
    empty: 'ᠣᠳᠣ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠵᠤ ᠪᠠᠶᠢᠭ᠎ᠠ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠦᠭᠡᠶ᠃',
    village: 'ᠭᠠᠴᠠᠭ᠎ᠠ',
    household: 'ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠬᠦᠮᠦᠨ',
    programme: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠲᠥᠷᠥᠯ',
    amount: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠮᠥᠩᠭᠥ',
    period: 'ᠵᠠᠷᠯᠠᠬᠤ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ',
    object: 'ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ᠲᠠᠶ',
    send: 'ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ᠲᠤᠲᠤᠯᠭᠠᠬᠤ',
    privacy: 'ᠰᠦᠯᠵᠢᠶᠡᠨ ᠳᠡᠭᠡᠷᠡᠬᠢ ᠵᠠᠷᠯᠠᠯ ᠳᠤ ᠨᠡᠷ᠎ᠡ ᠶᠢᠨ ᠵᠠᠷᠢᠮ ᠦᠰᠦᠭ ᠢ ᠯᠠ ᠢᠯᠡᠷᠬᠡᠶᠢᠯᠡᠨ᠎ᠡ᠃',
  },
  roll: {
    short: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠶᠢᠨ ᠨᠡᠷᠡᠰ',
    pickTitle: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠶᠢᠨ ᠨᠡᠷᠡᠰ',
    title: 'ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠶᠢᠨ ᠨᠡᠷᠡᠰ',
    intro: 'ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠨᠡᠶᠢᠲᠡ {n} ᠥᠷᠬᠡ᠃',
    empty: 'ᠣᠳᠣ ᠨᠡᠶᠢᠲᠡᠯᠡᠭᠰᠡᠨ ᠨᠡᠷᠡᠰ ᠦᠭᠡᠶ᠃',
    amount: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠮᠥᠩᠭᠥ',
    period: 'ᠣᠯᠭᠣᠬᠤ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ',
    note: 'ᠨᠡᠷᠡᠰ ᠲᠦ ᠰᠠᠨᠠᠯ ᠲᠠᠶ ᠪᠣᠯ ᠰᠤᠮᠤ ᠶᠢᠨ ᠢᠷᠭᠡᠨ ᠬᠡᠷᠡᠭ ᠦᠨ ᠠᠯᠪᠠᠨ ᠳᠤ ᠬᠡᠯᠡᠵᠦ ᠪᠣᠯᠣᠨ᠎ᠠ᠃',
  },
}

/** The administrative terms a native speaker must confirm first, with why (docs/mongolian.md). */
export const REVIEW: Record<string, string> = {
  'home.publicity': '公示: ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠬᠤ ("announce to the public") — the bureau may use another term',
  'home.roll': '救助名单 / 救助对象: ᠡᠳ᠋ᠯᠡᠭᠴᠢ ("beneficiary")',
  'publicity.title': '社会救助: ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ',
  'publicity.object': '异议: ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ("opposing opinion")',
  'publicity.hotline': '监督电话: ᠬᠢᠨᠠᠨ ᠬᠢᠶᠠᠬᠤ ᠤᠲᠠᠰᠤ',
  'publicity.village': '村（嘎查）: ᠭᠠᠴᠠᠭ᠎ᠠ only (a 村 of the Han areas may want its own word)',
  'login.code': '验证码: ᠪᠠᠲᠤᠯᠭᠠᠵᠢᠭᠤᠯᠬᠤ ᠺᠣᠳ᠋ (loanword ᠺᠣᠳ᠋)',
  'login.phone': '手机号: ᠨᠣᠮᠸᠷ (loanword) or ᠳ᠋ᠤᠭᠠᠷ',
  'status.next.county_review': '旗民政局: ᠬᠣᠰᠢᠭᠤᠨ ᠤ ᠢᠷᠭᠡᠨ ᠬᠡᠷᠡᠭ ᠦᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ',
  'status.next.accepted': '受理 / 入户调查: ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ / ᠭᠡᠷ ᠲᠦ ᠢᠷᠡᠵᠦ ᠰᠤᠷᠪᠤᠯᠵᠢᠯᠠᠬᠤ',
  'apply.steps.notes': '财产 / 必要开支: ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ / ᠵᠠᠷᠤᠯᠭ᠎ᠠ',
}
