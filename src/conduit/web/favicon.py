"""The site's icon: ``/static/favicon.svg`` for browsers that take SVG, and ``/favicon.ico`` for the rest.

The ICO is drawn here, pixel by pixel, from the same shapes as the SVG (a white "c" on a green rounded
square), so that no binary file has to be kept in step with the drawing by hand.
"""

import math
import struct
import zlib
from functools import cache

from litestar import Response, get

SIZE = 32
_SAMPLES = 4
"""Each pixel is the average of ``_SAMPLES`` x ``_SAMPLES`` points, for smooth edges."""
_GREEN = (0x1B, 0x5E, 0x20)
_WHITE = (0xFF, 0xFF, 0xFF)
_CORNER = 7.0
_RING_RADIUS = 9.0
_STROKE = 2.0
_OPENING = math.radians(36)
"""Half the opening of the "c", on its right."""


def _colour_at(x: float, y: float) -> tuple[int, int, int] | None:
    """The colour of the drawing at ``(x, y)``, or None outside the rounded square."""
    inner = min(max(x, _CORNER), SIZE - _CORNER), min(max(y, _CORNER), SIZE - _CORNER)
    if math.dist((x, y), inner) > _CORNER:
        return None
    centre = SIZE / 2
    angle = math.atan2(centre - y, x - centre)
    ends = [
        (centre + _RING_RADIUS * math.cos(_OPENING), centre + sign * _RING_RADIUS * math.sin(_OPENING))
        for sign in (-1, 1)
    ]
    on_ring = abs(math.dist((x, y), (centre, centre)) - _RING_RADIUS) <= _STROKE and abs(angle) >= _OPENING
    on_cap = any(math.dist((x, y), end) <= _STROKE for end in ends)
    return _WHITE if on_ring or on_cap else _GREEN


def _pixel(column: int, row: int) -> bytes:
    points = [
        _colour_at(column + (i + 0.5) / _SAMPLES, row + (j + 0.5) / _SAMPLES)
        for i in range(_SAMPLES)
        for j in range(_SAMPLES)
    ]
    inside = [point for point in points if point is not None]
    if not inside:
        return bytes(4)
    rgb = [round(sum(point[channel] for point in inside) / len(inside)) for channel in range(3)]
    return bytes([*rgb, round(255 * len(inside) / len(points))])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def icon() -> bytes:
    """The icon as an ICO file holding one 32x32 PNG image (which every current browser reads)."""
    rows = b"".join(b"\x00" + b"".join(_pixel(column, row) for column in range(SIZE)) for row in range(SIZE))
    png = b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)),
            _png_chunk(b"IDAT", zlib.compress(rows, 9)),
            _png_chunk(b"IEND", b""),
        ]
    )
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(png), len(directory) + 16)
    return directory + entry + png


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False, cache=86_400)
def favicon() -> Response[bytes]:
    """The icon browsers ask for by themselves."""
    return Response(icon(), media_type="image/x-icon")
