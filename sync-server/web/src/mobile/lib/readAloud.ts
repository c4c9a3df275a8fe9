// Read-aloud (朗读, domain §7: voice help for elderly and low-literacy applicants): the page's main
// text — the elements marked `data-read` — spoken with the browser's Web Speech API in Chinese.
// Where the browser has no speech synthesis the button is not shown at all.
import { ref } from 'vue'

/** The speech API, when this browser has one. */
function synth(): SpeechSynthesis | null {
  if (typeof window === 'undefined' || !('speechSynthesis' in window) || typeof window.SpeechSynthesisUtterance !== 'function') return null
  return window.speechSynthesis
}

export const LANG = 'zh-CN'
/** Chrome drops an utterance of more than some 15 seconds: the text goes out in pieces. */
const MAX_PIECE = 120
/** Where a long line may be cut: after a full stop, semicolon, comma, ! or ? (full width). */
const SENTENCE_END = /[\u3002\uff1b\uff0c\uff01\uff1f]/g

/** Whether read-aloud is being spoken now. */
export const speaking = ref(false)

export function readAloudSupported(): boolean {
  return synth() !== null
}

/** Text that is not read: controls, hidden parts, and Mongolian script (no Chinese voice reads
 *  it, and a Mongolian voice is not to be had). */
const SKIP = 'button, input, select, textarea, [aria-hidden="true"], [hidden], [data-read-skip], [lang^="mn"], script, style'

function textOf(el: Element): string {
  if (el.matches(SKIP)) return ''
  if (el instanceof HTMLElement && el.hidden) return ''
  let out = ''
  for (const n of Array.from(el.childNodes)) {
    if (n.nodeType === Node.TEXT_NODE) out += n.textContent ?? ''
    else if (n.nodeType === Node.ELEMENT_NODE) {
      const child = n as Element
      const block = /^(P|LI|H[1-6]|DIV|DT|DD|SECTION|TR|HEADER|UL|OL|DL|BR)$/.test(child.tagName)
      const t = textOf(child)
      out += block ? `\n${t}\n` : t
    }
  }
  return out
}

/** The main text of `root`: its `data-read` regions in page order (or, when none is marked, all
 *  of it), one line per block, blank lines dropped. */
export function readableText(root: ParentNode = document): string {
  const marked = Array.from(root.querySelectorAll('[data-read]')).filter((el) => !el.parentElement?.closest('[data-read]'))
  const regions = marked.length ? marked : root instanceof Element ? [root] : Array.from(root.querySelectorAll('.m-page'))
  return regions
    .map(textOf)
    .join('\n')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n')
}

/** The text in pieces a voice speaks whole: lines, and long lines cut after a sentence's end. */
export function pieces(text: string, max = MAX_PIECE): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    let rest = line.trim()
    while (rest.length > max) {
      const head = rest.slice(0, max)
      const cut = Math.max(...Array.from(head.matchAll(SENTENCE_END), (m) => m.index + 1), 0)
      const at = cut > 0 ? cut : max
      out.push(rest.slice(0, at))
      rest = rest.slice(at).trim()
    }
    if (rest) out.push(rest)
  }
  return out
}

/** Stop reading. */
export function stopReading() {
  synth()?.cancel()
  speaking.value = false
}

/** Read `text` aloud (whatever was being read stops first). False when there is nothing to read
 *  or no speech in this browser. */
export function readAloud(text: string): boolean {
  const s = synth()
  const parts = pieces(text)
  if (!s || !parts.length) return false
  s.cancel()
  const voice = s.getVoices().find((v) => v.lang.replace('_', '-').startsWith(LANG)) ?? s.getVoices().find((v) => v.lang.startsWith('zh'))
  speaking.value = true
  parts.forEach((p, i) => {
    const u = new window.SpeechSynthesisUtterance(p)
    u.lang = LANG
    if (voice) u.voice = voice
    if (i === parts.length - 1) {
      u.onend = () => (speaking.value = false)
    }
    u.onerror = () => (speaking.value = false)
    s.speak(u)
  })
  return true
}

/** For a page or component: whether read-aloud can be offered, whether it speaks, and the two
 *  actions (reading the page's marked main text, stopping). */
export function useReadAloud() {
  return {
    supported: readAloudSupported(),
    speaking,
    readPage: (root: ParentNode = document) => readAloud(readableText(root)),
    stop: stopReading,
  }
}
