// Which sections the visit form has for a case: an investigation goes through the whole means
// test; a 探访 (主动发现, issue 15) records the household's situation, needs and risks by area.
import type { Doc } from './api'
import { zhCN } from '../i18n/zh-CN'

/** The header flag the server writes on a 探访 case (`CaseKind::Visit`'s label; the core's
 *  `visit::OUTREACH_FLAG`). A code the server sends, compared, not shown. */
export const OUTREACH_FLAG = '探访'

/** The sections of a 探访, in form order. */
export const OUTREACH_SECTIONS = ['basic', 'members', 'needs', 'photos', 'sign'] as const

/** The sections of an investigation, in form order (every one of the catalogue but the 探访's own). */
export const INVESTIGATION_SECTIONS: readonly string[] = Object.keys(zhCN.visit.sections).filter((s) => s !== 'needs')

/** Whether the header flags mark a 探访. */
export function isOutreachFlags(flags: readonly string[] | null | undefined): boolean {
  return (flags ?? []).includes(OUTREACH_FLAG)
}

/** Whether a case document is a 探访. */
export function isOutreach(doc: Doc): boolean {
  return isOutreachFlags(doc?.header?.flags)
}

/** The visit form's sections for this case. */
export function sectionsFor(doc: Doc): readonly string[] {
  return isOutreach(doc) ? OUTREACH_SECTIONS : INVESTIGATION_SECTIONS
}
