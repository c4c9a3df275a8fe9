// A tiny PNG encoder for test pictures (the tablet's photo pipeline accepts PNG as well as JPEG).
import { deflateSync } from 'node:zlib'

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

/** Encode an RGB picture: `pixel(x, y)` returns [r, g, b]. */
export function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1)
    raw[row] = 0
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      raw[row + 1 + x * 3] = r
      raw[row + 2 + x * 3] = g
      raw[row + 3 + x * 3] = b
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A house under a sky: something a caseworker would recognise as a photo of a home. */
export function housePicture(width = 640, height = 480, wall = [176, 124, 84]) {
  const groundY = height * 0.72
  const hx0 = width * 0.25, hx1 = width * 0.75, hy0 = height * 0.42
  const roofTop = height * 0.2
  return png(width, height, (x, y) => {
    const roofHalf = ((y - roofTop) / (hy0 - roofTop)) * (width * 0.3)
    if (y >= roofTop && y < hy0 && Math.abs(x - width / 2) < roofHalf) return [150, 40, 35]
    if (y >= hy0 && y < groundY && x >= hx0 && x < hx1) {
      const door = x > width * 0.46 && x < width * 0.54 && y > height * 0.55
      const win = (x > width * 0.3 && x < width * 0.4 && y > height * 0.48 && y < height * 0.58) ||
        (x > width * 0.6 && x < width * 0.7 && y > height * 0.48 && y < height * 0.58)
      if (door) return [90, 60, 40]
      if (win) return [200, 225, 240]
      return wall
    }
    if (y >= groundY) return [120 + ((x * 7 + y * 3) % 20), 150, 80]
    const t = y / groundY
    return [Math.round(110 + 100 * t), Math.round(160 + 70 * t), 235]
  })
}
