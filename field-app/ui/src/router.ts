import { createRouter, createWebHashHistory } from 'vue-router'
import { session, refreshStatus } from './lib/session'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/cases' },
    { path: '/enroll', component: () => import('./views/EnrollView.vue') },
    { path: '/pin/set', component: () => import('./views/PinView.vue'), props: { mode: 'set' } },
    { path: '/unlock', component: () => import('./views/PinView.vue'), props: { mode: 'unlock' } },
    { path: '/cases', component: () => import('./views/CaseListView.vue') },
    { path: '/case/:id', component: () => import('./views/CaseDetailView.vue'), props: true },
    { path: '/case/:id/visit', component: () => import('./views/VisitView.vue'), props: true },
    { path: '/sync', component: () => import('./views/SyncView.vue') },
    { path: '/peer', component: () => import('./views/PeerView.vue') },
  ],
})

// Nothing opens before enrollment, a PIN, and an unlock on this start.
router.beforeEach(async (to) => {
  const s = session.status ?? (await refreshStatus())
  const gate = !s.enrolled ? '/enroll' : !s.pin_set ? '/pin/set' : !s.unlocked ? '/unlock' : null
  if (gate && to.path !== gate) return gate
  if (!gate && ['/enroll', '/pin/set', '/unlock'].includes(to.path)) return '/cases'
  return true
})
