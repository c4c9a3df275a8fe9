// The declared income, property and expense rows: what the form holds (amounts in 元 as typed),
// what the API takes (vocabulary codes, money in 分), and the same checks the server makes
// (a kind from the vocabulary, an amount of at least 0, 1 to 12 months, short texts, ≤ 30 rows).
import { terms, vocabLabel } from '../../lib/vocab'
import { fenToYuan, yuanToFen } from './format'
import type {
  ExpenditureDraft, ExpenditureRow, IncomeDraft, IncomeRow, PropertyDraft, PropertyRow, RowKind,
} from '../types'

export const MAX_ROWS = 30
export const MAX_ROW_TEXT = 100
export const ROW_KINDS: readonly RowKind[] = ['income', 'property', 'expenditures']

/** Field → catalogue key of the problem, for one row. */
export type RowProblems = Record<string, string>

export function emptyIncome(): IncomeDraft {
  return { category: '', item: '', amount: '', months: '12', note: '', keep: {} }
}
export function emptyProperty(): PropertyDraft {
  return { kind: '', description: '', quantity: '', unit: '', value: '', note: '', keep: {} }
}
export function emptyExpenditure(): ExpenditureDraft {
  return { kind: '', amount: '', months: '12', note: '', keep: {} }
}

/** Choices as the chips take them. */
const choices = (group: string) => terms(group).map((x) => ({ value: x.code, text: x.zh }))
export const incomeCategories = () => choices('income_category')
export const propertyKinds = () => choices('property_kind')
export const expenditureKinds = () => choices('expenditure_kind')
/** The income items of one category (none before a category is chosen). */
export function incomeItems(category: string) {
  return category ? terms('income_item').filter((x) => x.category === category).map((x) => ({ value: x.code, text: x.zh })) : []
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v))
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const money = (v: unknown) => (num(v) === null ? '' : fenToYuan(num(v)))
const months = (v: unknown) => (num(v) === null ? '' : String(num(v)))
function rest(r: Record<string, unknown>, known: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => !known.includes(k)))
}

/** A stored row made editable. */
export function incomeDraft(r: Partial<IncomeRow>): IncomeDraft {
  const known = ['category', 'item', 'amount_fen', 'period_months', 'note']
  return { category: str(r.category), item: str(r.item), amount: money(r.amount_fen), months: months(r.period_months), note: str(r.note), keep: rest(r, known) }
}
export function propertyDraft(r: Partial<PropertyRow>): PropertyDraft {
  const known = ['kind', 'description', 'quantity', 'unit', 'value_fen', 'note']
  const q = num(r.quantity)
  return {
    kind: str(r.kind), description: str(r.description), quantity: q === null ? '' : String(q), unit: str(r.unit),
    value: money(r.value_fen), note: str(r.note), keep: rest(r, known),
  }
}
export function expenditureDraft(r: Partial<ExpenditureRow>): ExpenditureDraft {
  const known = ['kind', 'amount_fen', 'period_months', 'note']
  return { kind: str(r.kind), amount: money(r.amount_fen), months: months(r.period_months), note: str(r.note), keep: rest(r, known) }
}

/** Months as typed → 1..12, or null. */
export function parseMonths(v: string): number | null {
  const s = v.trim()
  if (!/^\d{1,2}$/.test(s)) return null
  const n = Number(s)
  return n >= 1 && n <= 12 ? n : null
}
/** A quantity as typed (a plain number, decimals allowed) or null. */
export function parseQuantity(v: string): number | null {
  const s = v.trim()
  return /^\d{1,9}(\.\d{1,3})?$/.test(s) ? Number(s) : null
}
const opt = (v: string) => (v.trim() ? v.trim() : null)

/** What is sent for a row (call only on rows without problems). */
export function incomeRow(d: IncomeDraft): IncomeRow {
  return { ...d.keep, category: d.category, item: d.item, amount_fen: yuanToFen(d.amount), period_months: parseMonths(d.months), note: opt(d.note) }
}
export function propertyRow(d: PropertyDraft): PropertyRow {
  return {
    ...d.keep, kind: d.kind, description: d.description.trim(), quantity: parseQuantity(d.quantity), unit: opt(d.unit),
    value_fen: d.value.trim() ? yuanToFen(d.value) : null, note: opt(d.note),
  }
}
export function expenditureRow(d: ExpenditureDraft): ExpenditureRow {
  return { ...d.keep, kind: d.kind, amount_fen: yuanToFen(d.amount), period_months: parseMonths(d.months), note: opt(d.note) }
}

const tooLong = (v: string) => [...v.trim()].length > MAX_ROW_TEXT
function amountProblem(v: string, required: boolean): string | null {
  if (!v.trim()) return required ? 'validation.rows.amountMissing' : null
  return yuanToFen(v) === null ? 'validation.rows.amountInvalid' : null
}
function monthsProblem(v: string): string | null {
  return parseMonths(v) === null ? 'validation.rows.months' : null
}

/** What an income row and an expense row share: a required amount, the months, a short note. */
function checkAmountMonthsNote(d: { amount: string; months: string; note: string }, p: RowProblems): RowProblems {
  const a = amountProblem(d.amount, true)
  if (a) p.amount = a
  const m = monthsProblem(d.months)
  if (m) p.months = m
  if (tooLong(d.note)) p.note = 'validation.rows.tooLong'
  return p
}

export function checkIncome(d: IncomeDraft): RowProblems {
  const p: RowProblems = {}
  if (!terms('income_category').some((x) => x.code === d.category)) p.category = 'validation.rows.incomeCategory'
  return checkAmountMonthsNote(d, p)
}
export function checkProperty(d: PropertyDraft): RowProblems {
  const p: RowProblems = {}
  if (!terms('property_kind').some((x) => x.code === d.kind)) p.kind = 'validation.rows.propertyKind'
  if (tooLong(d.description)) p.description = 'validation.rows.tooLong'
  if (d.quantity.trim() && parseQuantity(d.quantity) === null) p.quantity = 'validation.rows.quantity'
  if ([...d.unit.trim()].length > 10) p.unit = 'validation.rows.unit'
  const a = amountProblem(d.value, false)
  if (a) p.value = a
  if (tooLong(d.note)) p.note = 'validation.rows.tooLong'
  return p
}
export function checkExpenditure(d: ExpenditureDraft): RowProblems {
  const p: RowProblems = {}
  if (!terms('expenditure_kind').some((x) => x.code === d.kind)) p.kind = 'validation.rows.expenditureKind'
  return checkAmountMonthsNote(d, p)
}

/** Every row's problems, keyed `income.0.amount`; `income` itself when there are too many rows. */
export function checkRows(a: { income: IncomeDraft[]; property: PropertyDraft[]; expenditures: ExpenditureDraft[] }): RowProblems {
  const p: RowProblems = {}
  const each = <T>(kind: RowKind, rows: T[], check: (r: T) => RowProblems) => {
    if (rows.length > MAX_ROWS) p[kind] = 'validation.rows.tooMany'
    rows.forEach((r, i) => {
      for (const [k, v] of Object.entries(check(r))) p[`${kind}.${i}.${k}`] = v
    })
  }
  each('income', a.income, checkIncome)
  each('property', a.property, checkProperty)
  each('expenditures', a.expenditures, checkExpenditure)
  return p
}

/** One row in words, for the summary: labels from the vocabulary, money in 元. */
export function incomeWords(r: IncomeRow): { title: string; amount: string; months: number | null; note: string } {
  return {
    title: [vocabLabel('income_category', r.category), vocabLabel('income_item', r.item)].filter(Boolean).join(' · '),
    amount: money(r.amount_fen), months: num(r.period_months), note: str(r.note),
  }
}
export function propertyWords(r: PropertyRow): { title: string; amount: string; quantity: string; note: string } {
  const q = num(r.quantity)
  return {
    title: [vocabLabel('property_kind', r.kind), str(r.description)].filter(Boolean).join(' · '),
    amount: money(r.value_fen), quantity: q === null ? '' : `${q}${str(r.unit)}`, note: str(r.note),
  }
}
export function expenditureWords(r: ExpenditureRow): { title: string; amount: string; months: number | null; note: string } {
  return { title: vocabLabel('expenditure_kind', r.kind), amount: money(r.amount_fen), months: num(r.period_months), note: str(r.note) }
}
