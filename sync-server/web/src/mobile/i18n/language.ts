// The language the phone pages are shown in: Chinese, or Mongolian beside Chinese. Chosen with
// the switch on every page (components/LanguageSwitch.vue), kept in localStorage so it applies
// on reload. Mongolian never replaces the Chinese: under the Inner Mongolia bilingual rule the
// Mongolian stands in vertical columns to the left of the Chinese (components/Bi.vue), and
// texts that cannot be vertical (placeholders, toasts, labels for screen readers) stay Chinese,
// so `tr()` keeps answering in Chinese. Importing this module installs the Mongolian catalogue:
// public pages' titles are bilingual in either language (components/TitleBlock.vue).
import { ref } from 'vue'
import { addCatalogue, lookup, SECOND_LOCALE } from './index'
import mnMong from './mn-Mong'

export type Language = 'zh-CN' | typeof SECOND_LOCALE
export const STORAGE_KEY = 'jiuzhu.m.language'

addCatalogue(SECOND_LOCALE, mnMong)

function stored(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === SECOND_LOCALE ? SECOND_LOCALE : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

/** The chosen language (reactive). */
export const language = ref<Language>(stored())

export function setLanguage(l: Language) {
  language.value = l
  try {
    localStorage.setItem(STORAGE_KEY, l)
  } catch {
    // Private mode without storage: the choice lasts until the page is reloaded.
  }
}

/** Re-reads the stored choice (a page reload does this by importing the module afresh). */
export function restoreLanguage() {
  language.value = stored()
}

/** The Mongolian of `key` when it is to be shown: always for `always` texts (public titles),
 *  else only in Mongolian; undefined when the catalogue has none. */
export function mongolian(key: string, params: Record<string, string | number> = {}, always = false): string | undefined {
  if (!always && language.value !== SECOND_LOCALE) return undefined
  const s = lookup(key, SECOND_LOCALE)
  return s?.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m))
}

/** Whether `s` (a name, say) is written in Mongolian script: then it is shown vertically. */
export function isMongolian(s: string): boolean {
  return /[\u1820-\u18AA]/.test(s)
}
