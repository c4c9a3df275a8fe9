import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import PhotoGallery from '../src/components/PhotoGallery.vue'
import MemberCompare from '../src/components/MemberCompare.vue'

describe('PhotoGallery', () => {
  it('shows arrived photos as thumbnails, the full image on click, the others as 未到达 placeholders', async () => {
    const w = mount(PhotoGallery, {
      global: { plugins: [ElementPlus] },
      props: {
        photos: [
          { hash: 'a'.repeat(64), present: true, caption: '住房正面', tag: 'exterior', by: '王建国', taken_at: 1_764_200_000_000, gps: { lat: 40.1, lon: 109.9 } },
          { hash: 'b'.repeat(64), present: false, caption: '厨房', tag: 'interior', by: '李明' },
        ],
      },
    })
    const imgs = w.findAll('img[data-test=photo-img]')
    expect(imgs).toHaveLength(1)
    expect(imgs[0].attributes('src')).toBe(`/api/console/blobs/${'a'.repeat(64)}?thumb=1`)
    expect(w.find('[data-test=photo-missing]').text()).toBe('未到达')
    expect(w.text()).toContain('1/2 张已到达')
    expect(w.text()).toContain('住房外观')
    expect(w.text()).toContain('40.10000, 109.90000')
    await w.find('button.thumb').trigger('click')
    await flushPromises()
    expect(w.find('img[data-test=photo-full]').attributes('src')).toBe(`/api/console/blobs/${'a'.repeat(64)}`)
    w.unmount()
  })
})

describe('MemberCompare', () => {
  it('marks differing rows and offers a 批注 button per verified field only when annotating', () => {
    const props = {
      declared: [{ id: 'd1', name: '巴特尔', health: '健康' }],
      visit: { members: [{ declared_id: 'd1', name: { verified: '巴特尔' }, health: { verified: '重病', matches: false, reason: '新确诊' } }] },
      visitIndex: 0,
    }
    const plain = mount(MemberCompare, { global: { plugins: [ElementPlus] }, props })
    const diff = plain.findAll('[data-test=field-diff]')
    expect(diff).toHaveLength(1)
    expect(diff[0].text()).toContain('新确诊')
    expect(plain.find('[data-test=annotate]').exists()).toBe(false) // no provider, no button
  })
})
