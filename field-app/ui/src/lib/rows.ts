// What the income and property rows show, by kind: pure, so the form and its tests agree.
import type { FieldKind } from './fields'

export interface DetailField {
  /** Key under the row's `detail` (income) or on the row itself (property). */
  field: string
  kind: FieldKind
  /** Catalogue key of the field's label. */
  label: string
}

/** The particulars an income row asks for, by its category and item (domain §3.2-D):
 *  种植 crop/area/yield/price; 养殖 species/head count/head sold; 个体经营 the business;
 *  transfer and property income who pays; wages the employer and the months actually worked. */
export function incomeDetailFields(category: string | null | undefined, item: string | null | undefined): DetailField[] {
  if (item === '种植') {
    return [
      { field: 'crop', kind: 'text', label: 'visit.income.crop' },
      { field: 'area_mu', kind: 'number', label: 'visit.income.area_mu' },
      { field: 'yield_kg', kind: 'number', label: 'visit.income.yield_kg' },
      { field: 'price_fen_per_kg', kind: 'amount', label: 'visit.income.price' },
    ]
  }
  if (item === '养殖') {
    return [
      { field: 'species', kind: 'text', label: 'visit.income.species' },
      { field: 'head_count', kind: 'int', label: 'visit.income.head_count' },
      { field: 'head_sold', kind: 'int', label: 'visit.income.head_sold' },
    ]
  }
  if (item === '个体经营') return [{ field: 'business', kind: 'text', label: 'visit.income.business' }]
  if (category === 'wage') {
    return [
      { field: 'business', kind: 'text', label: 'visit.income.employer' },
      { field: 'months_worked', kind: 'months', label: 'visit.income.months_worked' },
    ]
  }
  if (category === 'transfer' || category === 'property') return [{ field: 'payer', kind: 'text', label: 'visit.income.payer' }]
  return []
}

/** A row's amount spread over the months it covers, in 分 (to the nearest 分); null when either
 *  is missing. */
export function monthlyFen(amountFen: number | null | undefined, periodMonths: number | null | undefined): number | null {
  if (amountFen === null || amountFen === undefined || !periodMonths) return null
  return Math.round(amountFen / periodMonths)
}

/** The fields a property row adds by kind (vocabulary `property_kind`): houses their area and
 *  place; vehicles and ships their type, plate and use. */
export function propertyExtraFields(kind: string | null | undefined): (DetailField & { group?: string })[] {
  if (kind === 'house') {
    return [
      { field: 'area_m2', kind: 'number', label: 'visit.property.area_m2' },
      { field: 'location', kind: 'text', label: 'visit.property.location' },
    ]
  }
  if (kind === 'vehicle' || kind === 'ship') {
    return [
      { field: 'vehicle_type', kind: 'select', label: 'visit.property.vehicle_type', group: 'vehicle_type' },
      { field: 'plate', kind: 'text', label: 'visit.property.plate' },
      { field: 'usage', kind: 'select', label: 'visit.property.usage', group: 'vehicle_use' },
    ]
  }
  return []
}
