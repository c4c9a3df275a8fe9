import { createRouter, createWebHashHistory, type RouteLocationNormalized } from 'vue-router'
import { setUnauthorizedHandler } from './api'
import { ensureSession, signedOut } from './session'

export const routes = [
  { path: '/', name: 'home', component: () => import('./views/HomeView.vue') },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue') },
  { path: '/cases', name: 'cases', component: () => import('./views/CasesView.vue'), meta: { auth: true } },
  { path: '/apply', name: 'apply', component: () => import('./views/ApplyView.vue'), meta: { auth: true } },
  { path: '/cases/:id/edit', name: 'edit', component: () => import('./views/ApplyView.vue'), props: true, meta: { auth: true } },
  { path: '/cases/:id/materials', name: 'materials', component: () => import('./views/MaterialsView.vue'), props: true, meta: { auth: true } },
  { path: '/cases/:id/sign', name: 'sign', component: () => import('./views/SignView.vue'), props: true, meta: { auth: true } },
  { path: '/cases/:id/report', name: 'report', component: () => import('./views/ReportView.vue'), props: true, meta: { auth: true } },
  { path: '/cases/:id/check-objection', name: 'check-objection', component: () => import('./views/CheckObjectionView.vue'), props: true, meta: { auth: true } },
  { path: '/cases/:id', name: 'case', component: () => import('./views/StatusView.vue'), props: true, meta: { auth: true } },
  { path: '/vote/:token', name: 'vote', component: () => import('./views/VoteView.vue'), props: true },
  { path: '/publicity', name: 'publicity-pick', component: () => import('./views/TownshipPickView.vue'), props: { target: 'publicity' } },
  { path: '/publicity/:township', name: 'publicity', component: () => import('./views/PublicityView.vue'), props: true },
  { path: '/roll', name: 'roll-pick', component: () => import('./views/TownshipPickView.vue'), props: { target: 'roll' } },
  { path: '/roll/:township', name: 'roll', component: () => import('./views/RollView.vue'), props: true },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHashHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Where the sign-in page sends the person back to. */
export function loginTarget(to: RouteLocationNormalized | { fullPath: string }) {
  return { name: 'login', query: { next: to.fullPath } }
}

router.beforeEach(async (to) => {
  if (!to.meta.auth) return true
  try {
    if (await ensureSession()) return true
  } catch {
    // The network is down: let the page load and show its own error with a retry button.
    return true
  }
  return loginTarget(to)
})

setUnauthorizedHandler(() => {
  signedOut()
  const current = router.currentRoute.value
  if (current.name !== 'login') router.push(loginTarget(current))
})
