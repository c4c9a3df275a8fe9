// Form state kept in sessionStorage while the person types, so nothing is lost when the session
// expires (the page goes to the sign-in screen and comes back), the network drops, or the phone
// reloads the tab. sessionStorage ends with the browser tab: nothing stays behind on a shared phone.
import { reactive, watch } from 'vue'

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null
  }
}

const PREFIX = 'jiuzhu.m.'
/** Keys dropped by forget(): the page is done with them, later changes are not saved again. */
const done = new Set<string>()

/** A reactive copy of `initial`, restored from an earlier visit when one was saved under `key`. */
export function persisted<T extends object>(key: string, initial: () => T): T {
  const s = storage()
  done.delete(key)
  let start = initial()
  const saved = s?.getItem(PREFIX + key)
  if (saved) {
    try {
      start = { ...start, ...JSON.parse(saved) }
    } catch {
      // a broken copy is dropped
    }
  }
  const state = reactive(start) as T
  watch(
    () => state,
    (v) => {
      if (done.has(key)) return
      try {
        s?.setItem(PREFIX + key, JSON.stringify(v))
      } catch {
        // storage full or disabled: the form still works, it just is not kept
      }
    },
    { deep: true },
  )
  return state
}

/** Whether a copy is saved under `key`. */
export function hasSaved(key: string): boolean {
  return !!storage()?.getItem(PREFIX + key)
}

/** Drop the saved copy (after the server has it). */
export function forget(key: string) {
  done.add(key)
  storage()?.removeItem(PREFIX + key)
}
