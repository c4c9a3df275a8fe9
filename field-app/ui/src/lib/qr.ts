import jsQR from 'jsqr'

/** Read the first QR code in an image file (the console shows the enrollment QR; a photo or a
 *  screenshot of it works). */
export async function decodeQrFile(file: Blob): Promise<string | null> {
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    await new Promise<void>((ok, fail) => {
      img.onload = () => ok()
      img.onerror = () => fail(new Error('image'))
      img.src = url
    })
    // Large photos are scaled down: jsQR is fast enough at ~1000 px and a QR stays readable.
    const scale = Math.min(1, 1000 / Math.max(img.naturalWidth, img.naturalHeight))
    const w = Math.max(1, Math.round(img.naturalWidth * scale))
    const h = Math.max(1, Math.round(img.naturalHeight * scale))
    const canvas = document.createElement('canvas')
    canvas.width = w
    canvas.height = h
    const ctx = canvas.getContext('2d')
    if (!ctx) return null
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, w, h)
    ctx.drawImage(img, 0, 0, w, h)
    const data = ctx.getImageData(0, 0, w, h)
    return jsQR(data.data, w, h, { inversionAttempts: 'attemptBoth' })?.data ?? null
  } finally {
    URL.revokeObjectURL(url)
  }
}

export function sameFingerprint(a: string, b: string): boolean {
  const n = (s: string) => s.replace(/[^0-9a-f]/gi, '').toLowerCase()
  return n(a) !== '' && n(a) === n(b)
}
