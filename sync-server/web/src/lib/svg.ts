// The enrollment QR comes as an SVG document. It is shown through <img src="data:…">, never inserted
// into the page: an image cannot run scripts or reach the page, whatever the SVG contains.

function utf8ToBase64(s: string): string {
  const bytes = new TextEncoder().encode(s)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${utf8ToBase64(svg)}`
}
