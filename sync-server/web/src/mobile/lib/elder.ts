// Elder mode (长辈模式, domain §7): large text, large buttons and high contrast, one tap away. A
// class on <html> switches elder.css's variables; the choice is kept in localStorage so the next
// visit opens the same way (public/m/elder-boot.js applies it before the first paint).
import { ref } from 'vue'

/** The localStorage key; public/m/elder-boot.js reads the same one. */
export const ELDER_KEY = 'jiuzhu.m.elder'
export const ELDER_CLASS = 'm-elder'

function stored(): boolean {
  try {
    return localStorage.getItem(ELDER_KEY) === '1'
  } catch {
    return false
  }
}

/** Whether elder mode is on (the class the boot script set, else the stored choice). */
export const elder = ref(typeof document !== 'undefined' && (document.documentElement.classList.contains(ELDER_CLASS) || stored()))

/** Turn elder mode on or off, and remember it. */
export function setElder(on: boolean) {
  elder.value = on
  document.documentElement.classList.toggle(ELDER_CLASS, on)
  try {
    if (on) localStorage.setItem(ELDER_KEY, '1')
    else localStorage.removeItem(ELDER_KEY)
  } catch {
    // storage disabled: the mode holds for this page only
  }
}
