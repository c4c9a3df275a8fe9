import type { InjectionKey } from 'vue'

/** Open the "pin a note to this path" dialog (provided by the case view). */
export type Annotate = (path: string) => void
export const ANNOTATE: InjectionKey<Annotate> = Symbol('annotate')
