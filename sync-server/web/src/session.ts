import { reactive } from 'vue'
import { api } from './api'
import type { User } from './types'

export const session = reactive<{ user: User | null; checked: boolean }>({ user: null, checked: false })

/** Ask the server once who we are (the cookie is HttpOnly, so only the server knows). */
export async function ensureSession(): Promise<User | null> {
  if (session.checked) return session.user
  try {
    session.user = (await api.me()).user
  } catch {
    session.user = null
  }
  session.checked = true
  return session.user
}

export function signedIn(user: User) {
  session.user = user
  session.checked = true
}

export function signedOut() {
  session.user = null
  session.checked = true
}
