// Photos are made smaller on the phone before upload: cheap phones take 12-50 MP pictures and
// village networks are slow. The long side is brought down to at most 1600 px (never enlarged),
// then the picture is re-encoded as JPEG at quality 0.85, which also drops the EXIF block (GPS).

export const MAX_SIDE = 1600
export const JPEG_QUALITY = 0.85

export interface Size {
  width: number
  height: number
}

/** The size a `width` × `height` picture is drawn at so its long side is ≤ `maxSide`, keeping the
 *  aspect ratio (rounded to whole pixels, at least 1 px). Small pictures keep their size. */
export function fitWithin(width: number, height: number, maxSide: number = MAX_SIDE): Size & { scale: number } {
  if (!(width > 0) || !(height > 0) || !(maxSide > 0)) throw new RangeError('image size must be positive')
  const long = Math.max(width, height)
  if (long <= maxSide) return { width: Math.round(width), height: Math.round(height), scale: 1 }
  const scale = maxSide / long
  // The long side lands exactly on maxSide; the short side is rounded, never to 0.
  const w = width >= height ? maxSide : Math.max(1, Math.round(width * scale))
  const h = height > width ? maxSide : Math.max(1, Math.round(height * scale))
  return { width: w, height: h, scale }
}

/** The file name sent with an upload: the picture's own name with a .jpg ending. */
export function jpegName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').replace(/\.[^./\\]*$/, '').replace(/[\\/]/g, '_').trim()
  return `${base || fallback}.jpg`
}

interface Decoded {
  source: CanvasImageSource
  width: number
  height: number
  close: () => void
}

async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' })
      return { source: bmp, width: bmp.width, height: bmp.height, close: () => bmp.close() }
    } catch {
      // Some older browsers refuse the options or the format: fall back to an <img>.
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.decoding = 'async'
    await new Promise<void>((ok, fail) => {
      img.onload = () => ok()
      img.onerror = () => fail(new Error('decode'))
      img.src = url
    })
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => {} }
  } finally {
    // The decoded <img> keeps its pixels; the URL is not needed any more.
    setTimeout(() => URL.revokeObjectURL(url), 0)
  }
}

/** Decode `file`, draw it at `fitWithin` size on a white canvas, give back a JPEG blob.
 *  Throws `Error('decode')` when the phone cannot read the picture. */
export async function downscale(file: Blob, maxSide = MAX_SIDE, quality = JPEG_QUALITY): Promise<Blob> {
  const img = await decode(file)
  try {
    const { width, height } = fitWithin(img.width, img.height, maxSide)
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    const g = canvas.getContext('2d')
    if (!g) throw new Error('decode')
    g.fillStyle = '#fff' // transparent PNG areas would turn black in a JPEG
    g.fillRect(0, 0, width, height)
    g.imageSmoothingEnabled = true
    g.imageSmoothingQuality = 'high'
    g.drawImage(img.source, 0, 0, width, height)
    const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, 'image/jpeg', quality))
    if (!blob) throw new Error('decode')
    return blob
  } finally {
    img.close()
  }
}
