// Which photos a visit must bring back, by case type (vocabulary `photo_tag`).
// Rule: for 低保 (urban and rural), 低保边缘 and 特困 the file must show the dwelling from outside
// (住房外观), inside (室内) and the household's appliances (家电) — the three things a reviewer
// checks the declared living conditions against. Other case types ask for none by default.
import type { Doc } from './api'

export const REQUIRED_PHOTOS: Record<string, string[]> = {
  urban_dibao: ['exterior', 'interior', 'appliance'],
  rural_dibao: ['exterior', 'interior', 'appliance'],
  edge: ['exterior', 'interior', 'appliance'],
  tekun: ['exterior', 'interior', 'appliance'],
}

export interface ChecklistItem { tag: string; count: number; done: boolean }

/** The required tags of this case type with how many photos of each the visit has. */
export function photoChecklist(caseType: string | null | undefined, photos: Doc[]): ChecklistItem[] {
  return (REQUIRED_PHOTOS[caseType ?? ''] ?? []).map((tag) => {
    const count = (photos ?? []).filter((p: Doc) => p?.tag === tag).length
    return { tag, count, done: count > 0 }
  })
}

/** "40.81234, 109.98765" from a photo's GPS fix, '' when it has none. */
export function gpsText(gps: { lat: number; lon: number } | null | undefined): string {
  return gps && Number.isFinite(gps.lat) && Number.isFinite(gps.lon) ? `${gps.lat.toFixed(5)}, ${gps.lon.toFixed(5)}` : ''
}
