// Phone pages: the fetch wrapper turns `{code, message}` bodies into errors people can act on.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, applicantApi, errorMessage, publicApi, request, setUnauthorizedHandler, settle } from '../src/mobile/api'

function answer(status: number, body: unknown, raw = false) {
  return vi.fn(async (_url: string, _init?: RequestInit) => new Response(raw ? String(body) : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

afterEach(() => {
  vi.unstubAllGlobals()
  setUnauthorizedHandler(() => {})
})

describe('mobile API wrapper', () => {
  it('sends JSON with the session cookie and gives back the data', async () => {
    const f = answer(200, { sent: true, expires_in: 600 })
    vi.stubGlobal('fetch', f)
    await expect(applicantApi.sendCode('13800000000')).resolves.toEqual({ sent: true, expires_in: 600 })
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/applicant/code')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('include')
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body as string)).toEqual({ phone: '13800000000' })
  })

  it('paths are encoded', async () => {
    const f = answer(200, { township: 'x', hotline: '', entries: [] })
    vi.stubGlobal('fetch', f)
    await publicApi.publicity('树林召镇')
    expect(f.mock.calls[0]![0]).toBe(`/api/public/publicity?township=${encodeURIComponent('树林召镇')}`)
  })

  it('a {code, message} body becomes an ApiError; the message is shown', async () => {
    vi.stubGlobal('fetch', answer(400, { code: 'invalid', message: '请填写申请人姓名' }))
    const e = (await request('POST', '/api/applicant/cases', {}).catch((x) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(400)
    expect(e.code).toBe('invalid')
    expect(errorMessage(e)).toBe('请填写申请人姓名')
  })

  it('known codes get the catalogue sentence that says what to do', async () => {
    vi.stubGlobal('fetch', answer(429, { code: 'too_soon', message: '验证码已发送，请1分钟后再试' }))
    const e = await applicantApi.sendCode('13800000000').catch((x) => x)
    expect(e.code).toBe('too_soon')
    expect(errorMessage(e)).toContain('1 分钟')
    expect(errorMessage(new ApiError(404, 'link_invalid', ''))).toContain('链接')
  })

  it('no body, or not JSON: a sentence by status', () => {
    expect(() => settle('/api/public/roll', 502, '<html>bad gateway</html>')).toThrow(ApiError)
    const e = (() => {
      try {
        settle('/api/public/roll', 502, '<html>bad gateway</html>')
      } catch (x) {
        return x
      }
    })()
    expect((e as ApiError).code).toBe('http_502')
    expect(errorMessage(e)).toContain('服务器')
    expect(errorMessage(new ApiError(404, 'http_404', ''))).toContain('没有找到')
    expect(errorMessage(new ApiError(413, 'http_413', ''))).toContain('照片太大')
    expect(errorMessage(new ApiError(400, 'http_400', ''))).toContain('内容都还在')
    expect(errorMessage(new Error('decode'))).toContain('照片打不开')
    expect(errorMessage('odd')).toContain('再试一次')
  })

  it('a network failure keeps the form and says to check the network', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    }))
    const e = await applicantApi.me().catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(0)
    expect(errorMessage(e)).toContain('网络')
    expect(errorMessage(e)).toContain('还在')
  })

  it('401 from the applicant API sends the person to sign in; a wrong code at sign-in does not', async () => {
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    vi.stubGlobal('fetch', answer(401, { code: 'not_signed_in', message: '请先用手机号码和验证码登录' }))
    await applicantApi.getCase('c1').catch(() => {})
    expect(handler).toHaveBeenCalledTimes(1)
    vi.stubGlobal('fetch', answer(401, { code: 'code_invalid', message: '验证码不正确或已过期，请重新获取' }))
    const e = await applicantApi.login('13800000000', '000000').catch((x) => x)
    expect(handler).toHaveBeenCalledTimes(1)
    expect(errorMessage(e)).toContain('6 位数字')
    // Public pages never need a session.
    vi.stubGlobal('fetch', answer(401, { code: 'x', message: 'y' }))
    await publicApi.roll('t').catch(() => {})
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('a 2xx answer that is not JSON is an error, not undefined data', () => {
    expect(() => settle('/api/applicant/me', 200, 'oops')).toThrow(ApiError)
    expect(settle('/api/applicant/logout', 200, '')).toEqual({})
  })
})
