// The phone pages bundle a Mongolian font (domain §7.2: offline or older phones may lack one).
// It is not kept in the repository: at build (and dev-server) start it is copied from the
// system — Debian's fonts-noto-core ships Noto Sans Mongolian, which the test scripts install —
// into src/mobile/fonts/ (ignored by git), and src/mobile/style.css's @font-face refers to it, so
// Vite emits it as a content-hashed asset the server lets browsers cache. JIUZHU_MN_FONT names
// another file. The font is under the SIL Open Font License 1.1, which allows bundling it with
// software; its licence notice goes with it (docs/mongolian.md).
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

export const FONT_FILE = 'NotoSansMongolian-Regular.ttf'
const TARGET = join(dirname(fileURLToPath(import.meta.url)), 'src', 'mobile', 'fonts', FONT_FILE)

function systemFont(): string | undefined {
  const given = process.env.JIUZHU_MN_FONT
  if (given) return given
  try {
    const found = execFileSync('fc-match', ['-f', '%{file}', 'Noto Sans Mongolian:style=Regular'], { encoding: 'utf8' }).trim()
    if (found.endsWith(FONT_FILE)) return found
  } catch {
    // No fontconfig: try Debian's place.
  }
  const debian = join('/usr/share/fonts/truetype/noto', FONT_FILE)
  return existsSync(debian) ? debian : undefined
}

export function mongolianFont(): Plugin {
  return {
    name: 'jiuzhu-mongolian-font',
    buildStart() {
      const from = systemFont()
      if (!from || !existsSync(from)) {
        this.error(
          `${FONT_FILE} not found: install Debian's fonts-noto-core (apt install fonts-noto-core) ` +
            'or set JIUZHU_MN_FONT to the file. The phone pages bundle it to show Mongolian script.',
        )
      }
      if (existsSync(TARGET) && statSync(TARGET).size === statSync(from).size) return
      mkdirSync(dirname(TARGET), { recursive: true })
      copyFileSync(from, TARGET)
    },
  }
}
