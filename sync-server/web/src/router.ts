import { createRouter, createWebHashHistory } from 'vue-router'
import { ensureSession, signedOut } from './session'
import { setUnauthorizedHandler } from './api'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { bare: true, public: true } },
    { path: '/', name: 'queue', component: () => import('./views/QueueView.vue') },
    { path: '/cases/:id', name: 'case', component: () => import('./views/CaseView.vue'), props: true },
    { path: '/cases/:id/print', name: 'print', component: () => import('./views/PrintView.vue'), props: true, meta: { bare: true } },
    { path: '/meetings', name: 'meetings', component: () => import('./views/MeetingsView.vue') },
    { path: '/meetings/:id', name: 'meeting', component: () => import('./views/MeetingView.vue'), props: true },
    { path: '/publicity', name: 'publicity', component: () => import('./views/PublicityView.vue') },
    { path: '/check-results', name: 'check-results', component: () => import('./views/CheckResultsView.vue') },
    { path: '/window/:id?', name: 'window', component: () => import('./views/WindowView.vue'), props: true },
    { path: '/devices', name: 'devices', component: () => import('./views/DevicesView.vue') },
    { path: '/spot-checks', name: 'spot-checks', component: () => import('./views/SpotChecksView.vue') },
    { path: '/dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue') },
    { path: '/reports', name: 'reports', component: () => import('./views/ReportsView.vue') },
    { path: '/monitoring', name: 'monitoring', component: () => import('./views/MonitoringView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const user = await ensureSession()
  if (!user) return { name: 'login', query: { next: to.fullPath } }
  return true
})

setUnauthorizedHandler(() => {
  signedOut()
  const current = router.currentRoute.value
  if (current.name !== 'login') router.push({ name: 'login', query: { next: current.fullPath } })
})
