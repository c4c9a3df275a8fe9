import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { compareRows, groupSteps, verdict, yuan } from '../src/lib/proposal'
import { lookup } from '../src/i18n'
import { PROPOSAL_SECTIONS, type Proposal } from '../src/types'
import ProposalPanel from '../src/components/ProposalPanel.vue'

const NOTICE = '本结果是系统按地区配置测算的建议，不是审核确认决定。'

// Shaped as the server serialises shared::rules::Proposal (trimmed from a real answer).
function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    notice: NOTICE,
    case_no: 'DLT-2026-0001',
    source: '申请人申报数据',
    region: 'example',
    config_version: 'example-2026',
    assessed_on: '2026-11-27',
    area: 'rural',
    standard_fen: 64000,
    counted_members: 3,
    per_capita_monthly_income_fen: 33333,
    dibao: { proposed: true, amount_fen: 96100, summary: '收入和财产均符合。' },
    edge: { proposed: false, amount_fen: null, summary: '已符合低保条件。' },
    rigid_expense: { proposed: false, amount_fen: null, summary: '已符合低保条件。' },
    phase_out: null,
    tekun: [],
    temporary: null,
    steps: [
      { section: 'members', text: '计入：巴特尔（本人，46岁）' },
      { section: 'income', text: '经营净收入·养羊：净额12000.00元' },
      { section: 'exemption', text: '属于不计入的收入“高龄津贴”，不计入' },
      { section: 'income', text: '工资性收入·农闲务工：3600.00元' },
      { section: 'property', text: '低保财产条件：符合。' },
      { section: 'dibao', text: '月人均收入333.33元 < 低保标准640.00元' },
      { section: 'edge', text: '已符合低保条件' },
      { section: 'property', text: '低保边缘财产条件：符合。' },
      { section: 'per_capita', text: '月人均收入 = 333.33元' },
    ],
    warnings: ['巴特尔家成员1：出生日期缺失。'],
    ...over,
  }
}

describe('groupSteps', () => {
  it('groups by section in the engine order, keeping each section\'s steps in recorded order', () => {
    const g = groupSteps(proposal().steps)
    expect(g.map((x) => x.section)).toEqual(['members', 'income', 'exemption', 'per_capita', 'property', 'dibao', 'edge'])
    expect(g[1].texts).toEqual(['经营净收入·养羊：净额12000.00元', '工资性收入·农闲务工：3600.00元'])
    expect(g[4].texts).toEqual(['低保财产条件：符合。', '低保边缘财产条件：符合。'])
    expect(g.flatMap((x) => x.texts)).toHaveLength(9) // nothing dropped
  })
  it('puts a section it does not know last instead of hiding it', () => {
    const g = groupSteps([
      { section: 'future_scheme', text: 'x' },
      { section: 'temporary', text: 'y' },
      { section: 'members', text: 'z' },
    ])
    expect(g.map((x) => x.section)).toEqual(['members', 'temporary', 'future_scheme'])
    expect(groupSteps(null)).toEqual([])
  })
})

describe('verdict and amounts', () => {
  it('formats fen as yuan with two decimals', () => {
    expect(yuan(96100)).toBe('961.00 元')
    expect(yuan(33333)).toBe('333.33 元')
    expect(yuan(123456789)).toBe('1,234,567.89 元')
    expect(yuan(null)).toBe('—')
  })
  it('says monthly, one-off, proposed without amount, not proposed', () => {
    expect(verdict({ proposed: true, amount_fen: 96100, summary: '' })).toBe('建议符合，每月 961.00 元')
    expect(verdict({ proposed: true, amount_fen: 150000, summary: '' }, false)).toBe('建议符合，一次性 1,500.00 元')
    expect(verdict({ proposed: true, amount_fen: null, summary: '' })).toBe('建议符合')
    expect(verdict({ proposed: false, amount_fen: 5, summary: '' })).toBe('建议不符合')
  })
})

describe('compareRows', () => {
  it('puts the verified proposal beside the declared one and marks what differs', () => {
    const verified = proposal({
      source: '入户调查核实数据（调查记录 v1）',
      per_capita_monthly_income_fen: 41666,
      dibao: { proposed: true, amount_fen: 67200, summary: '收入和财产均符合。' },
    })
    const rows = compareRows(proposal(), verified)
    const by = Object.fromEntries(rows.map((r) => [r.key, r]))
    expect(rows.map((r) => r.key)).toEqual(['source', 'config', 'assessedOn', 'standard', 'members', 'perCapita', 'dibao', 'edge', 'rigid_expense'])
    expect(by.config.declared?.text).toBe('example-2026（example）')
    expect(by.standard.declared?.text).toBe('农村牧区 640.00 元/人·月')
    expect(by.members.verified?.text).toBe('3 人')
    expect(by.perCapita.declared?.text).toBe('333.33 元')
    expect(by.perCapita.verified?.text).toBe('416.66 元')
    expect(by.perCapita.differs).toBe(true)
    expect(by.dibao.declared).toMatchObject({ text: '建议符合，每月 961.00 元', proposed: true, summary: '收入和财产均符合。' })
    expect(by.dibao.verified?.text).toBe('建议符合，每月 672.00 元')
    expect(by.dibao.differs).toBe(true)
    expect(by.edge.differs).toBe(false)
    expect(by.source.differs).toBe(false) // always different, never flagged
  })
  it('adds 渐退, one 特困 line per member (matched by name: declared and visit members have their own ids) and 临时救助 when present', () => {
    const declared = proposal({
      tekun: [{ member_id: 'm1', name: '高娃', proposed: true, amount_fen: 90000, summary: '全自理' }],
      temporary: { proposed: true, amount_fen: 200000, summary: '一次性' },
    })
    const verified = proposal({
      phase_out: { proposed: true, amount_fen: 30000, summary: '渐退 6 个月' },
      tekun: [
        { member_id: 'v2', name: '其其格', proposed: false, amount_fen: null, summary: '有赡养人' },
        { member_id: 'v1', name: '高娃', proposed: true, amount_fen: 90000, summary: '全自理' },
      ],
    })
    const rows = compareRows(declared, verified)
    const by = Object.fromEntries(rows.map((r) => [r.key, r]))
    expect(rows.map((r) => r.key).slice(-5)).toEqual(['rigid_expense', 'phase_out', 'tekun.高娃', 'tekun.其其格', 'temporary'])
    expect(by.phase_out.declared).toBeNull()
    expect(by.phase_out.verified?.text).toBe('建议符合，每月 300.00 元')
    expect(by['tekun.高娃'].label).toBe('特困人员（高娃）')
    expect(by['tekun.高娃'].differs).toBe(false)
    expect(by['tekun.其其格'].declared).toBeNull()
    expect(by.temporary.declared?.text).toBe('建议符合，一次性 2,000.00 元')
    expect(by.temporary.verified).toBeNull()
    expect(by.temporary.differs).toBe(true)
  })
  it('adds 单人保 when either side assesses one member on their own', () => {
    const verified = proposal({
      single_person: { member_id: 'm3', name: '乌云', proposed: true, amount_fen: 64000, summary: '重度残疾，单独纳入' },
    })
    const rows = compareRows(proposal(), verified)
    const by = Object.fromEntries(rows.map((r) => [r.key, r]))
    expect(by.single_person.label).toBe('单人保（乌云）')
    expect(by.single_person.declared).toBeNull()
    expect(by.single_person.verified?.text).toBe('建议符合，每月 640.00 元')
    expect(compareRows(proposal(), proposal()).some((r) => r.key === 'single_person')).toBe(false)
    expect(groupSteps([{ section: 'temporary', text: 'b' }, { section: 'single_person', text: 'a' }]).map((g) => g.section))
      .toEqual(['single_person', 'temporary'])
  })
  it('without a visit there is only the declared side', () => {
    const rows = compareRows(proposal({ per_capita_monthly_income_fen: null }), null)
    expect(rows.every((r) => r.verified === undefined && !r.differs)).toBe(true)
    expect(rows.find((r) => r.key === 'perCapita')?.declared?.text).toBe('无计入成员，未计算')
  })
})

describe('ProposalPanel', () => {
  it('shows the notice first, both proposals, warnings, and every step grouped by section', async () => {
    const verified = proposal({ source: '入户调查核实数据', warnings: [] })
    const w = mount(ProposalPanel, { global: { plugins: [ElementPlus] }, props: { proposals: { declared: proposal(), verified } } })
    const notice = w.find('[data-test=proposal-notice]')
    expect(notice.text()).toContain('不是审核确认决定')
    expect(notice.text()).toContain(NOTICE)
    expect(w.find('[data-test=proposal-compare]').text()).toContain('建议符合，每月 961.00 元')
    expect(w.find('[data-test=proposal-warnings-declared]').text()).toContain('出生日期缺失')
    expect(w.find('[data-test=proposal-warnings-verified]').text()).toContain('无')
    expect(w.find('[data-test=proposal-steps]').attributes('data-side')).toBe('verified')
    expect(w.findAll('[data-test=proposal-step]')).toHaveLength(9)
    const heads = w.findAll('.group h4').map((h) => h.text())
    expect(heads[0]).toBe('1. 共同生活家庭成员')
    expect(heads).toContain('4. 月人均收入')
  })
  it('without a visit shows the declared steps and says there is no verified data', () => {
    const w = mount(ProposalPanel, { global: { plugins: [ElementPlus] }, props: { proposals: { declared: proposal(), verified: null } } })
    expect(w.find('[data-test=proposal-no-visit]').text()).toBe('尚无入户调查数据')
    expect(w.find('[data-test=proposal-steps]').attributes('data-side')).toBe('declared')
  })
  it('before the rules are installed shows the server\'s sentence', () => {
    const text = '尚未安装本地区的救助标准配置，无法计算收入核算建议。'
    const w = mount(ProposalPanel, { global: { plugins: [ElementPlus] }, props: { proposals: null, error: text, errorCode: 'no_rules' } })
    expect(w.find('[data-test=proposal-error]').text()).toContain(text)
    expect(w.find('[data-test=proposal-notice]').exists()).toBe(false)
  })
})

describe('the console knows the engine\'s sections', () => {
  it('PROPOSAL_SECTIONS and their names match shared/src/rules/proposal.rs', () => {
    const rs = readFileSync(join(__dirname, '..', '..', '..', 'shared', 'src', 'rules', 'proposal.rs'), 'utf8')
    const body = /pub enum Section \{([^}]*)\}/.exec(rs)?.[1] ?? ''
    const variants = [...body.matchAll(/^\s*([A-Z]\w*),/gm)].map((m) => m[1])
    const snake = variants.map((v) => v.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase()))
    expect(snake).toEqual([...PROPOSAL_SECTIONS])
    for (const v of variants) {
      const zh = new RegExp(`Section::${v} => "([^"]+)"`).exec(rs)?.[1]
      const snakeName = v.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase())
      expect(lookup(`proposal.sections.${snakeName}`), v).toBe(zh)
    }
  })
})
