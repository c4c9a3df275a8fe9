import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginView from '../src/views/LoginView.vue'
import { session } from '../src/session'

function reply(status: number, body: object) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

async function attempt(fetchMock: ReturnType<typeof reply>) {
  vi.stubGlobal('fetch', fetchMock)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/login', component: LoginView }, { path: '/', component: { template: '<div>queue</div>' } }],
  })
  router.push('/login')
  await router.isReady()
  const w = mount(LoginView, { global: { plugins: [ElementPlus, router] } })
  await w.find('[data-test=login-name]').setValue('张海燕')
  await w.find('[data-test=login-password]').setValue('wrong-password')
  await w.find('form').trigger('submit')
  await flushPromises()
  return { w, router }
}

afterEach(() => vi.unstubAllGlobals())

describe('sign-in', () => {
  it('shows one generic message for a refused login, whatever the server says', async () => {
    const { w } = await attempt(reply(401, { code: 'login_failed', message: '用户不存在' }))
    expect(w.find('[data-test=login-error]').text()).toContain('用户名或密码错误。')
    expect(w.text()).not.toContain('用户不存在')
  })
  it('shows the lockout message on 429', async () => {
    const { w } = await attempt(reply(429, { code: 'locked', message: 'locked' }))
    expect(w.find('[data-test=login-error]').text()).toContain('锁定')
  })
  it('posts name and password and goes to the queue', async () => {
    const f = reply(200, { user: { name: '张海燕', role: 'caseworker', township: '树林召镇' } })
    const { router } = await attempt(f)
    expect(f).toHaveBeenCalledWith('/api/console/login', expect.objectContaining({ method: 'POST' }))
    const body = JSON.parse((f.mock.calls[0] as any)[1].body)
    expect(body).toEqual({ name: '张海燕', password: 'wrong-password' })
    expect(session.user?.name).toBe('张海燕')
    expect(router.currentRoute.value.path).toBe('/')
  })
})
