#!/usr/bin/env python3
"""Generates the app icons (PNG, RGBA) without any imaging library, so a clean machine can
rebuild them: a rounded teal square with a white house and a check mark (a verified household).
Run: python3 icons/generate.py  (writes next to this file)."""
import os, struct, zlib

def png(path, size, px):
    raw = b"".join(b"\x00" + b"".join(bytes(px(x, y, size)) for x in range(size)) for y in range(size))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)

def inside_house(u, v):
    # roof: triangle apex (0.5,0.18), base y=0.46 from x=0.16..0.84; body: 0.26..0.74 x 0.46..0.80
    if 0.18 <= v <= 0.46:
        half = (v - 0.18) / 0.28 * 0.34
        if abs(u - 0.5) <= half:
            return True
    return 0.26 <= u <= 0.74 and 0.46 <= v <= 0.80

def on_check(u, v):
    # two strokes: (0.36,0.62)->(0.47,0.72)->(0.66,0.52)
    def seg(ax, ay, bx, by):
        dx, dy = bx - ax, by - ay
        t = max(0, min(1, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
        return ((u - ax - t * dx) ** 2 + (v - ay - t * dy) ** 2) ** 0.5 < 0.035
    return seg(0.36, 0.62, 0.47, 0.72) or seg(0.47, 0.72, 0.66, 0.52)

def px(x, y, n):
    u, v = (x + 0.5) / n, (y + 0.5) / n
    r = 0.18  # corner radius
    cx, cy = min(max(u, r), 1 - r), min(max(v, r), 1 - r)
    if (u - cx) ** 2 + (v - cy) ** 2 > r * r:
        return (0, 0, 0, 0)
    if on_check(u, v):
        return (0x0E, 0x7C, 0x66, 255)
    if inside_house(u, v):
        return (255, 255, 255, 255)
    return (0x0E, 0x7C, 0x66, 255)

here = os.path.dirname(os.path.abspath(__file__))
for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    png(os.path.join(here, name), size, px)
    print("wrote", name)
