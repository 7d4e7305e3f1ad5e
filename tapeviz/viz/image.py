"""Pictures of tensor values for the inspector: PNG data URLs and small inline SVG charts.

Pure numpy + zlib + base64 (no PIL, no matplotlib), so the widget and the static exports
need nothing extra. Heatmaps, image grids and filter grids are built from float values:
large arrays are block-averaged down first (a block holding a NaN or an Inf stays NaN or
Inf, so a single bad value is never averaged away), tiny ones are upscaled
nearest-neighbour, and single-channel pictures are encoded as palette PNGs (one byte per
pixel), which keeps a 256 x 256 heatmap well under 100 kB.
"""
from __future__ import annotations

import base64
import html
import struct
import zlib

import numpy as np

from ..debugger.summary import histogram

# Palette layout of every single-channel picture: LEVELS colormap steps, then the
# indices of the colours that must never be mistaken for a value.
LEVELS = 253
NAN_INDEX, INF_INDEX, SEPARATOR_INDEX = 253, 254, 255
NAN_RGB = (255, 0, 255)        # magenta: in none of the colormaps below
INF_RGB = (0, 255, 255)        # cyan: +Inf and -Inf alike (the summary text tells them apart)
# Between and around a grid's tiles, GAP pixels of a colour no tile is drawn in: steel blue
# 1 px wide vanished among the blue tiles of a filter grid and against black tiles on a dark
# theme, and with no frame the grid's edge merged into a dark panel. Grey pictures get an
# amber no grey resembles; blue-white-red and RGB ones a neutral dark grey.
GAP = 2
SEPARATOR_RGB = (230, 159, 0)          # amber: among grey tiles (images, feature maps)
SEPARATOR_NEUTRAL = (64, 64, 64)       # dark grey: among blue-white-red or RGB tiles
VIRIDIS = ((68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
           (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37))
BLUE_WHITE_RED = ((33, 102, 172), (103, 169, 207), (247, 247, 247), (239, 138, 98),
                  (178, 24, 43))
GREY = ((0, 0, 0), (255, 255, 255))
MIN_TILE = 48                  # tiny tiles (3x3 kernels, 6x6 maps) are upscaled to about this


# ---- PNG encoding ----------------------------------------------------------------------------
def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(pixels, palette=None) -> bytes:
    """PNG file bytes for uint8 pixels: (H, W) grey, (H, W, 3) RGB, or (H, W) indices into
    `palette`, a (K <= 256, 3) uint8 array.

    >>> png_bytes(np.zeros((2, 3), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"png_bytes: expected uint8 pixels; got {pixels.dtype}")
    if pixels.ndim == 3 and pixels.shape[2] == 3 and palette is None:
        colour_type = 2
    elif pixels.ndim == 2:
        colour_type = 0 if palette is None else 3
    else:
        raise ValueError(f"png_bytes: expected (H, W) or (H, W, 3) pixels; got {pixels.shape}")
    height, width = pixels.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"png_bytes: an image needs pixels; got shape {pixels.shape}")
    rows = np.zeros((height, 1 + pixels[0].size), np.uint8)   # filter byte 0 on every row
    rows[:, 1:] = pixels.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_chunk(b"PLTE", np.asarray(palette, np.uint8).reshape(-1, 3).tobytes()))
    chunks += [_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)), _chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_data_url(pixels, palette=None) -> str:
    """`png_bytes` as a `data:image/png;base64,...` URL.

    >>> png_data_url(np.full((1, 1, 3), 255, np.uint8))[:22]
    'data:image/png;base64,'
    """
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels, palette)).decode()


# ---- values -> palette indices -----------------------------------------------------------------
def _palette(anchors, separator=SEPARATOR_NEUTRAL) -> np.ndarray:
    """A 256-entry palette: LEVELS steps interpolated through `anchors`, then the specials."""
    anchors = np.asarray(anchors, np.float64)
    steps = np.linspace(0.0, 1.0, LEVELS)
    where = np.linspace(0.0, 1.0, len(anchors))
    ramp = np.stack([np.interp(steps, where, anchors[:, c]) for c in range(3)], axis=1)
    return np.concatenate([np.round(ramp), [NAN_RGB, INF_RGB, separator]]).astype(np.uint8)


def _float_values(values) -> np.ndarray:
    values = np.asarray(getattr(values, "_value", values))
    if values.dtype.kind not in "biuf":
        raise TypeError(f"expected numeric values; got {values.dtype}")
    return values.astype(np.float64)


def colour_scale(values, diverging=None) -> tuple:
    """(low, high, diverging): the value range a heatmap maps onto its colormap.

    Diverging (symmetric around 0) when the finite values straddle 0, unless told.

    >>> colour_scale(np.array([-1.0, 3.0, np.nan]))
    (-3.0, 3.0, True)
    >>> colour_scale(np.array([2, 5]))
    (2.0, 5.0, False)
    """
    values = _float_values(values)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if diverging is None:
        diverging = low < 0.0 < high
    if diverging:
        limit = max(abs(low), abs(high)) or 1.0
        low, high = -limit, limit
    return low, high, bool(diverging)


def _indices(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Palette indices of float values on [low, high]; NaN and Inf get their own index."""
    scale = (LEVELS - 1) / (high - low) if high > low else 0.0
    with np.errstate(invalid="ignore"):
        t = (np.clip((values - low) * scale, 0, LEVELS - 1) if scale
             else np.full(values.shape, LEVELS // 2, np.float64))
    out = np.nan_to_num(np.round(t), nan=0.0).astype(np.uint8)
    out[np.isinf(values)] = INF_INDEX
    out[np.isnan(values)] = NAN_INDEX
    return out


# ---- resizing ----------------------------------------------------------------------------------
def _shrink(values: np.ndarray, height: int, width: int) -> np.ndarray:
    """Block means over the first two axes down to (height, width); NaN > +Inf > -Inf win."""
    if values.shape[:2] == (height, width):
        return values
    rows = (np.arange(height) * values.shape[0]) // height
    cols = (np.arange(width) * values.shape[1]) // width

    def pool(a):
        return np.add.reduceat(np.add.reduceat(a, rows, axis=0), cols, axis=1)

    finite = np.isfinite(values)
    out = pool(np.where(finite, values, 0.0)) / np.maximum(pool(finite.astype(np.int64)), 1)
    if not finite.all():
        for mask, fill in ((np.isneginf, -np.inf), (np.isposinf, np.inf), (np.isnan, np.nan)):
            out[pool(mask(values).astype(np.int64)) > 0] = fill
    return out


def _fit(height: int, width: int, max_height: int, max_width: int) -> tuple:
    """(shrunk height, shrunk width, upscale factor) so that the result fits the box."""
    if height > max_height or width > max_width:
        f = min(max_height / height, max_width / width)
        return max(1, int(height * f)), max(1, int(width * f)), 1
    scale = min(max_height // height, max_width // width, -(-MIN_TILE // max(height, width)))
    return height, width, max(1, scale)


def _upscale(pixels: np.ndarray, scale: int) -> np.ndarray:
    return pixels if scale == 1 else pixels.repeat(scale, axis=0).repeat(scale, axis=1)


# ---- pictures ----------------------------------------------------------------------------------
def heatmap(values2d, *, diverging=None, max_size: int = 256) -> str:
    """A 2-D array as a heatmap PNG data URL: blue-white-red around 0 when the values
    straddle 0 (or `diverging=True`), viridis otherwise; NaN magenta, Inf cyan.

    >>> heatmap(np.eye(3))[:22]
    'data:image/png;base64,'
    """
    values = _float_values(values2d)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"heatmap: expected a non-empty 2-D array; got shape {values.shape}")
    low, high, diverging = colour_scale(values, diverging)
    height, width, scale = _fit(*values.shape, max_size, max_size)
    pixels = _upscale(_indices(_shrink(values, height, width), low, high), scale)
    # a (1, 500) row would be one pixel tall: thicken thin strips without passing max_size
    for axis in (0, 1):
        if pixels.shape[axis] < 8:
            pixels = pixels.repeat(-(-8 // pixels.shape[axis]), axis=axis)
    return png_data_url(pixels, _palette(BLUE_WHITE_RED if diverging else VIRIDIS))


def _grid(tiles: list, colourise, rgb: bool, max_size: int) -> np.ndarray:
    """Tiles (h, w, c float arrays of one shape) in a near-square grid, GAP-px separators
    between and around them; `colourise(i, tile)` turns tile i, resized, into palette
    indices or RGB (then the separators are SEPARATOR_NEUTRAL)."""
    count = len(tiles)
    cols = int(np.ceil(np.sqrt(count)))
    rows = -(-count // cols)
    h, w = tiles[0].shape[:2]
    box_h = max(1, (max_size - (rows + 1) * GAP) // rows)
    box_w = max(1, (max_size - (cols + 1) * GAP) // cols)
    th, tw, scale = _fit(h, w, box_h, box_w)
    tile_h, tile_w = th * scale, tw * scale
    shape = (rows * (tile_h + GAP) + GAP, cols * (tile_w + GAP) + GAP) + ((3,) if rgb else ())
    canvas = np.empty(shape, np.uint8)
    canvas[...] = SEPARATOR_NEUTRAL if rgb else SEPARATOR_INDEX
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        y, x = GAP + r * (tile_h + GAP), GAP + c * (tile_w + GAP)
        canvas[y:y + tile_h, x:x + tile_w] = _upscale(colourise(i, _shrink(tile, th, tw)), scale)
    return canvas


def _rgb(tile: np.ndarray, low: float, high: float) -> np.ndarray:
    """RGB uint8 of an (h, w, 3) float tile on [low, high]; a NaN/Inf channel paints the pixel."""
    scale = 255.0 / (high - low) if high > low else 0.0
    with np.errstate(invalid="ignore"):
        t = np.clip((tile - low) * scale, 0, 255) if scale else np.full(tile.shape, 127.0)
    out = np.nan_to_num(np.round(t)).astype(np.uint8)
    out[np.isinf(tile).any(axis=2)] = INF_RGB
    out[np.isnan(tile).any(axis=2)] = NAN_RGB
    return out


def _range(values: np.ndarray) -> tuple:
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def image_grid(images, *, max_images: int = 16, normalize: str = "per_image",
               max_size: int = 256) -> str:
    """NHWC (or HWC, HW) values as a grid of tiles, as a PNG data URL.

    C == 1: grey images; C == 3: RGB images; any other C: each channel its own grey tile
    (feature maps), image by image. At most `max_images` tiles. `normalize`: "per_image"
    (each tile on its own min..max), "global" (one range for all tiles) or "none" (floats
    on [0, 1], integers on [0, 255]).

    >>> image_grid(np.zeros((4, 5, 5, 1)))[:22]
    'data:image/png;base64,'
    """
    values = _float_values(images)
    if values.ndim == 2:
        values = values[None, :, :, None]
    elif values.ndim == 3:
        values = values[None]
    if values.ndim != 4 or values.size == 0:
        raise ValueError(f"image_grid: expected non-empty NHWC, HWC or HW values; got "
                         f"shape {np.shape(images)}")
    channels = values.shape[3]
    if channels in (1, 3):
        tiles = list(values[:max_images])
    else:
        pairs = [divmod(k, channels) for k in range(min(max_images, len(values) * channels))]
        tiles = [values[i, :, :, c:c + 1] for i, c in pairs]
    if normalize == "none":
        kind = np.asarray(getattr(images, "_value", images)).dtype.kind
        fixed = (0.0, 255.0) if kind in "iu" else (0.0, 1.0)
    elif normalize == "global":
        fixed = _range(np.stack(tiles))
    elif normalize == "per_image":
        fixed = None
    else:
        raise ValueError(f"image_grid: normalize must be 'per_image', 'global' or 'none'; "
                         f"got {normalize!r}")
    ranges = [fixed or _range(tile) for tile in tiles]
    if tiles[0].shape[2] == 3:
        pixels = _grid(tiles, lambda i, t: _rgb(t, *ranges[i]), True, max_size)
        return png_data_url(pixels)
    pixels = _grid(tiles, lambda i, t: _indices(t[:, :, 0], *ranges[i]), False, max_size)
    return png_data_url(pixels, _palette(GREY, SEPARATOR_RGB))


def filter_grid(hwio_kernel, *, max_filters: int = 32, max_size: int = 256) -> str:
    """Conv kernels (height, width, in, out) as a grid, one tile per output filter.

    One tile per output filter because each makes one feature map, the unit a user
    reasons about; (in, out) pairs would be hundreds of tiles past the first layer. A
    kernel reading 3 channels is drawn in RGB (grey = 0, as in first-layer filter
    pictures); otherwise the mean over input channels, blue-white-red with one symmetric
    scale shared by all tiles, so sign and relative size compare across filters.

    >>> filter_grid(np.ones((3, 3, 2, 4)))[:22]
    'data:image/png;base64,'
    """
    kernel = _float_values(hwio_kernel)
    if kernel.ndim != 4 or kernel.size == 0:
        raise ValueError(f"filter_grid: expected a non-empty HWIO kernel; got {kernel.shape}")
    low, high = _range(kernel)
    limit = max(abs(low), abs(high)) or 1.0
    outputs = range(min(max_filters, kernel.shape[3]))
    if kernel.shape[2] == 3:
        tiles = [kernel[:, :, :, o] for o in outputs]
        return png_data_url(_grid(tiles, lambda i, t: _rgb(t, -limit, limit), True, max_size))
    with np.errstate(invalid="ignore"):
        tiles = [kernel[:, :, :, o].mean(axis=2, keepdims=True) for o in outputs]
    pixels = _grid(tiles, lambda i, t: _indices(t[:, :, 0], -limit, limit), False, max_size)
    return png_data_url(pixels, _palette(BLUE_WHITE_RED))


# ---- histogram chart ---------------------------------------------------------------------------
def _num(x: float) -> str:
    return f"{x:.4g}"


def histogram_svg(values, bins: int = 30, *, width: int = 240, height: int = 90,
                  max_samples: int = 1_000_000) -> str:
    """A small inline SVG bar chart of the finite values, with min/max and NaN/Inf counts.

    Its colours are attributes, for the SVG seen alone; its parts carry classes (tv-hist-bar,
    -axis, -label, -alert) by which the widget's CSS gives them the notebook theme's colours.

    Arrays over `max_samples` elements are binned from an evenly strided sample (the
    caption says so); NaN and Inf are still counted over every element.

    >>> svg = histogram_svg(np.array([0.0, 1.0, 1.0, np.nan]), bins=2)
    >>> svg.startswith("<svg") and "nan 1" in svg
    True
    """
    flat = np.asarray(getattr(values, "_value", values)).reshape(-1)
    step = -(-flat.size // max_samples) if flat.size > max_samples else 1
    hist = histogram(flat[::step], bins=bins)
    if flat.dtype.kind == "f":
        nan, inf = int(np.isnan(flat).sum()), int(np.isinf(flat).sum())
    else:
        nan = inf = 0
    top, left = 18, 4                  # below the caption's 12 px line, with a gap
    plot_h = height - top - 16         # above the axis labels' line
    # x in % of the drawing's width, no viewBox: a panel narrower than `width` (the narrowed
    # inspector, 224 px at 1024x700) narrows the bars and keeps the text at 12 px, whole
    def x(px):
        return f"{100 * px / width:.2f}%"

    bar_w = (width - 2 * left) / bins
    most = int(hist.counts.max()) if hist.counts.size else 0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'class="tv-histogram" font-family="sans-serif" '
             f'font-size="12">']   # 12 px: the least a reader reads
    for i, count in enumerate(hist.counts.tolist()):
        if count:
            bar_h = max(1.0, plot_h * count / most)
            lo, hi = _num(hist.edges[i]), _num(hist.edges[i + 1])
            parts.append(f'<rect x="{x(left + i * bar_w)}" y="{top + plot_h - bar_h:.1f}" '
                         f'width="{x(max(bar_w - 1, 1))}" height="{bar_h:.1f}" fill="#4682b4" '
                         f'class="tv-hist-bar">'
                         f'<title>{html.escape(f"[{lo}, {hi}): {count}")}</title></rect>')
    axis_y = top + plot_h
    parts.append(f'<line x1="{x(left)}" y1="{axis_y}" x2="{x(width - left)}" y2="{axis_y}" '
                 f'stroke="#888" class="tv-hist-axis"/>')
    total = int(hist.counts.sum())
    if total:
        low, high = _num(hist.edges[0]), _num(hist.edges[-1])
        parts.append(f'<text x="{x(left)}" y="{axis_y + 13}" fill="#333" class="tv-hist-label">'
                     f'{html.escape(low)}</text>')
        parts.append(f'<text x="{x(width - left)}" y="{axis_y + 13}" text-anchor="end" '
                     f'fill="#333" class="tv-hist-label">'
                     f'{html.escape(high)}</text>')
    caption = f"n={flat.size}" + (f" (1 in {step} binned)" if step > 1 else "")
    caption += f" nan {nan} inf {inf}" if total else f" no finite values, nan {nan} inf {inf}"
    colour, role = ("#c00", "tv-hist-alert") if nan or inf else ("#333", "tv-hist-label")
    parts.append(f'<text x="{x(width - left)}" y="11" text-anchor="end" fill="{colour}" '
                 f'class="{role}">'
                 f'{html.escape(caption)}</text></svg>')
    return "".join(parts)


__all__ = ["png_bytes", "png_data_url", "colour_scale", "heatmap", "image_grid", "filter_grid",
           "histogram_svg"]
