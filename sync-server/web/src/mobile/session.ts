// Who is signed in on this phone (the applicant's session is an HttpOnly cookie; this only mirrors
// whether it worked last time we asked).
import { ref } from 'vue'
import { ApiError, applicantApi } from './api'

export const phone = ref<string | null>(null)
let checked = false

/** The signed-in phone number, asking the server once per page load; null when signed out. */
export async function ensureSession(): Promise<string | null> {
  if (checked && phone.value) return phone.value
  try {
    const me = await applicantApi.me()
    phone.value = me.phone
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) phone.value = null
    else throw e
  }
  checked = true
  return phone.value
}

export function signedIn(p: string) {
  phone.value = p
  checked = true
}

export function signedOut() {
  phone.value = null
  checked = true
}
