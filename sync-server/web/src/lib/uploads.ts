// Pictures chosen in a file input, each made smaller in the browser (long side ≤ 1600 px, JPEG,
// like the phone pages) and sent one after the other, with the count and the current one's
// progress for the page to show. One failed picture is reported and the others still go.
import { ref } from 'vue'
import { errorText } from './errors'
import { downscale, jpegName } from '../mobile/lib/resize'

export interface UploadTexts {
  /** The picture could not be read as an image. */
  decode: (name: string) => string
  /** The upload failed. */
  failed: (reason: string) => string
}

/**
 * `send(blob, name, onProgress)` uploads one picture; `prefix` names pictures whose own name is
 * unusable; `left(n)` is told how many are still on their way after each one.
 */
export function useUploads(
  send: (blob: Blob, name: string, onProgress: (f: number) => void) => Promise<void>,
  texts: UploadTexts,
  prefix: () => string,
  left: (n: number) => void = () => {},
) {
  const current = ref(0)
  const total = ref(0)
  const progress = ref(0)
  const error = ref('')

  async function picked(e: Event) {
    const el = e.target as HTMLInputElement
    const files = Array.from(el.files ?? [])
    el.value = '' // the same picture can be chosen again
    if (!files.length) return
    error.value = ''
    total.value = files.length
    left(files.length)
    try {
      for (let i = 0; i < files.length; i++) {
        current.value = i + 1
        progress.value = 0
        try {
          const blob = await downscale(files[i])
          await send(blob, jpegName(files[i].name, prefix()), (f) => (progress.value = Math.round(f * 100)))
        } catch (err) {
          error.value = err instanceof Error && err.message === 'decode'
            ? texts.decode(files[i].name)
            : texts.failed(errorText(err))
        }
        left(files.length - i - 1)
      }
    } finally {
      total.value = 0
      left(0)
    }
  }

  return { current, total, progress, error, picked }
}
