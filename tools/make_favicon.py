"""Draw the site's icon: static/favicon.svg and static/favicon.ico (16, 32 and 48 px), from one description.

Run from the repository's root: `python tools/make_favicon.py`. It needs nothing but the standard library: the
ICO's images are drawn here with 4x4 supersampling and stored as 32-bit bitmaps, which every browser reads.
The mark is a speech bubble with two lines of text on the site's accent colour, on a 32-unit square.
"""

from __future__ import annotations

import struct
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
ACCENT = (0x8A, 0x3B, 0x12)
PAPER = (0xFB, 0xFA, 0xF7)

# (kind, geometry, colour), drawn in order, in a 32 x 32 unit square.
SHAPES = [
    ("round", (0, 0, 32, 32, 7), ACCENT),  # the tile
    ("round", (5, 6, 27, 21, 4), PAPER),  # the bubble
    ("triangle", ((9, 20), (16, 20), (8, 27)), PAPER),  # its tail
    ("round", (9, 10.5, 23, 13, 1.25), ACCENT),  # a line of text
    ("round", (9, 15, 18, 17.5, 1.25), ACCENT),  # a shorter one
]


def _in_round(x: float, y: float, shape: tuple) -> bool:
    left, top, right, bottom, radius = shape
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _in_triangle(x: float, y: float, points: tuple) -> bool:
    (x1, y1), (x2, y2), (x3, y3) = points

    def side(ax: float, ay: float, bx: float, by: float) -> float:
        return (x - bx) * (ay - by) - (ax - bx) * (y - by)

    signs = (side(x1, y1, x2, y2), side(x2, y2, x3, y3), side(x3, y3, x1, y1))
    return not (min(signs) < 0 < max(signs))


def _colour_at(x: float, y: float) -> tuple[int, int, int, int]:
    colour = (0, 0, 0, 0)
    for kind, geometry, rgb in SHAPES:
        inside = _in_round(x, y, geometry) if kind == "round" else _in_triangle(x, y, geometry)
        if inside:
            colour = (*rgb, 255)
    return colour


def raster(size: int, samples: int = 4) -> list[list[tuple[int, int, int, int]]]:
    """The icon at size x size pixels, RGBA, top row first."""
    scale = 32 / size
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = [
                _colour_at((px + (sx + 0.5) / samples) * scale, (py + (sy + 0.5) / samples) * scale)
                for sy in range(samples)
                for sx in range(samples)
            ]
            alpha = sum(hit[3] for hit in hits)
            if not alpha:
                row.append((0, 0, 0, 0))
                continue
            # Colours weighted by their coverage, so the edges blend into transparency, not into black.
            rgb = tuple(round(sum(hit[c] * hit[3] for hit in hits) / alpha) for c in range(3))
            row.append((*rgb, round(alpha / len(hits))))
        rows.append(row)
    return rows


def _bitmap(size: int) -> bytes:
    """One ICO image: a BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask (all zero: alpha rules)."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = b"".join(bytes((b, g, r, a)) for row in reversed(raster(size)) for r, g, b, a in row)
    mask_row = ((size + 31) // 32) * 4
    return header + pixels + bytes(mask_row * size)


def ico(sizes: tuple[int, ...] = (16, 32, 48)) -> bytes:
    images = [_bitmap(size) for size in sizes]
    directory = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, image in zip(sizes, images, strict=True):
        directory += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return directory + b"".join(images)


def svg() -> str:
    def hex_of(rgb: tuple[int, int, int]) -> str:
        return "#" + "".join(f"{c:02x}" for c in rgb)

    parts = []
    for kind, geometry, rgb in SHAPES:
        if kind == "round":
            left, top, right, bottom, radius = geometry
            parts.append(
                f'<rect x="{left:g}" y="{top:g}" width="{right - left:g}" height="{bottom - top:g}" '
                f'rx="{radius:g}" fill="{hex_of(rgb)}"/>'
            )
        else:
            points = " ".join(f"{x:g},{y:g}" for x, y in geometry)
            parts.append(f'<polygon points="{points}" fill="{hex_of(rgb)}"/>')
    body = "\n  ".join(parts)
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">\n  {body}\n</svg>\n'


if __name__ == "__main__":
    (STATIC / "favicon.ico").write_bytes(ico())
    (STATIC / "favicon.svg").write_text(svg(), encoding="utf-8")
    print(f"Wrote {STATIC / 'favicon.ico'} and {STATIC / 'favicon.svg'}")
