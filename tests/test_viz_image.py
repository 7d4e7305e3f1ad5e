"""viz.image: PNG bytes that decode, heatmap colours, grid layouts, the SVG histogram."""
import base64
import io
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from tapeviz.viz import image
from tapeviz.viz.image import (BLUE_WHITE_RED, GAP, GREY, INF_RGB, NAN_RGB, SEPARATOR_NEUTRAL,
                               SEPARATOR_RGB, VIRIDIS, filter_grid, heatmap, histogram_svg,
                               image_grid, png_bytes, png_data_url)


def decode_png(data) -> np.ndarray:
    """(H, W, 3) uint8 pixels of a PNG from our encoder (or its data URL), checking every
    chunk's CRC; written against the PNG spec with zlib only."""
    if isinstance(data, str):
        prefix = "data:image/png;base64,"
        assert data.startswith(prefix)
        data = base64.b64decode(data[len(prefix):])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body), tag
        chunks.append((tag, body))
        pos += 12 + length
    tags = [tag for tag, _ in chunks]
    assert tags[0] == b"IHDR" and tags[-1] == b"IEND"
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0
    channels = {0: 1, 2: 3, 3: 1}[colour_type]
    raw = zlib.decompress(b"".join(body for tag, body in chunks if tag == b"IDAT"))
    rows = np.frombuffer(raw, np.uint8).reshape(height, 1 + width * channels)
    assert (rows[:, 0] == 0).all()  # filter type None on every row
    pixels = rows[:, 1:].reshape(height, width, channels)
    if colour_type == 3:
        palette = np.frombuffer(dict(chunks)[b"PLTE"], np.uint8).reshape(-1, 3)
        return palette[pixels[:, :, 0]]
    return np.repeat(pixels, 3, axis=2) if channels == 1 else pixels


def colour_at(pixels, y, x) -> tuple:
    return tuple(int(c) for c in pixels[y, x])


@pytest.mark.parametrize("shape", [(5, 7), (4, 6, 3)])
def test_png_bytes_round_trips_grey_and_rgb(shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    decoded = decode_png(png_bytes(pixels))
    expected = pixels if len(shape) == 3 else np.repeat(pixels[:, :, None], 3, axis=2)
    np.testing.assert_array_equal(decoded, expected)


def test_png_with_palette_decodes_to_palette_colours():
    palette = np.array([[255, 0, 0], [0, 0, 255]], np.uint8)
    decoded = decode_png(png_bytes(np.array([[0, 1], [1, 0]], np.uint8), palette))
    assert colour_at(decoded, 0, 0) == (255, 0, 0) and colour_at(decoded, 0, 1) == (0, 0, 255)


def test_png_agrees_with_matplotlib_reader():
    mpimg = pytest.importorskip("matplotlib.image")
    pixels = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    for url in (png_data_url(pixels), heatmap(np.arange(12.0).reshape(3, 4))):
        data = base64.b64decode(url.split(",", 1)[1])
        read = mpimg.imread(io.BytesIO(data), format="png")
        mine = decode_png(data)
        np.testing.assert_array_equal(np.round(read[:, :, :3] * 255).astype(np.uint8), mine)


def test_png_bytes_rejects_floats_and_odd_shapes():
    with pytest.raises(TypeError, match="uint8"):
        png_bytes(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape|pixels"):
        png_bytes(np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(ValueError):
        png_bytes(np.zeros((0, 3), np.uint8))


def test_heatmap_paints_min_max_nan_and_inf_in_their_colours():
    values = np.array([[0.0, 1.0, 2.0], [np.nan, np.inf, 4.0]])
    pixels = decode_png(heatmap(values))
    cell = pixels.shape[0] // 2  # upscaled evenly: each value is a cell x cell block
    assert pixels.shape[:2] == (2 * cell, 3 * cell) and cell > 1
    assert colour_at(pixels, 0, 0) == VIRIDIS[0]                  # the minimum
    assert colour_at(pixels, cell, 3 * cell - 1) == VIRIDIS[-1]   # the maximum
    assert colour_at(pixels, cell, 0) == NAN_RGB
    assert colour_at(pixels, cell, cell) == INF_RGB


def test_heatmap_is_diverging_around_zero_when_values_straddle_it():
    pixels = decode_png(heatmap(np.array([[-2.0, 0.0, 2.0]])))
    cell = pixels.shape[1] // 3
    assert colour_at(pixels, 0, 0) == BLUE_WHITE_RED[0]
    assert colour_at(pixels, 0, cell) == BLUE_WHITE_RED[2]
    assert colour_at(pixels, 0, 2 * cell) == BLUE_WHITE_RED[-1]
    sequential = decode_png(heatmap(np.array([[-2.0, 0.0, 2.0]]), diverging=False))
    assert colour_at(sequential, 0, 0) == VIRIDIS[0]


def test_heatmap_upscales_a_small_kernel_and_thickens_thin_strips():
    assert min(decode_png(heatmap(np.ones((3, 3)))).shape[:2]) >= 30
    assert decode_png(heatmap(np.arange(500.0)[None])).shape[0] >= 8


def test_heatmap_downsamples_large_arrays_and_keeps_a_lone_nan_visible():
    values = np.random.default_rng(0).normal(size=(1000, 600))
    values[517, 291] = np.nan
    pixels = decode_png(heatmap(values, max_size=200))
    assert max(pixels.shape[:2]) <= 200
    assert (pixels == NAN_RGB).all(axis=2).sum() == 1


def test_heatmap_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        heatmap(np.ones(4))


def separator_lines(pixels, axis, colour=SEPARATOR_RGB) -> list:
    """Indices of full rows (axis 0) or columns (axis 1) painted the separator colour."""
    is_sep = (pixels == colour).all(axis=2).all(axis=1 - axis)
    return np.flatnonzero(is_sep).tolist()


def tile_side(pixels, tiles: int) -> int:
    """The side of one of `tiles` tiles across a grid: GAP pixels between and around each."""
    return (pixels.shape[1] - (tiles + 1) * GAP) // tiles


def test_image_grid_lays_out_tiles_with_two_pixel_separators_and_a_frame():
    images = np.random.default_rng(0).random((5, 28, 28, 1))
    pixels = decode_png(image_grid(images))
    # 5 tiles -> 3 columns, 2 rows; the 6th cell stays separator colour
    cols, rows = separator_lines(pixels, 1), separator_lines(pixels, 0)
    tile = tile_side(pixels, 3)
    step = tile + GAP
    assert tile % 28 == 0 and pixels.shape[:2] == (2 * step + GAP, 3 * step + GAP)
    assert rows == [0, 1, step, step + 1, 2 * step, 2 * step + 1]   # framed, 2 px each
    assert cols[:4] == [0, 1, step, step + 1]
    assert (pixels[step + GAP:, 2 * step + GAP:] == SEPARATOR_RGB).all()


def contrast(a, b) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    def luminance(rgb):
        c = np.asarray(rgb, np.float64) / 255
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("anchors, separator", [(GREY, SEPARATOR_RGB),
                                                (BLUE_WHITE_RED, SEPARATOR_NEUTRAL)])
def test_grid_separators_stand_apart_from_every_tile_colour(anchors, separator):
    """Steel blue separators vanished among a filter grid's blues (contrast about 1:1, the
    same hue): each tile colour of the palette is 1.4:1 or more from the separator in
    lightness, or far from it in hue (a grey picture's amber is no grey)."""
    for colour in image._palette(anchors, separator)[:image.LEVELS].astype(int):
        hue_apart = np.abs(colour - np.asarray(separator)).max() >= 120
        assert contrast(colour, separator) >= 1.4 or hue_apart, colour


def test_image_grid_caps_tiles_and_splits_channels_into_feature_maps():
    assert decode_png(image_grid(np.zeros((40, 8, 8, 1)), max_images=16)).shape[:2] == \
        decode_png(image_grid(np.zeros((16, 8, 8, 1)))).shape[:2]
    maps = decode_png(image_grid(np.random.default_rng(0).random((1, 6, 6, 8))))
    tile = tile_side(maps, 3)          # 8 channels -> a 3 x 3 grid
    assert maps.shape[:2] == (3 * tile + 4 * GAP, 3 * tile + 4 * GAP)


def test_image_grid_draws_rgb_and_normalizes_per_image_or_globally():
    red = np.zeros((1, 4, 4, 3))
    red[..., 0] = 1.0
    assert colour_at(decode_png(image_grid(red, normalize="none")), GAP, GAP) == (255, 0, 0)
    dim_and_bright = np.stack([np.linspace(0, 0.5, 16), np.linspace(0, 1, 16)])
    dim_and_bright = dim_and_bright.reshape(2, 4, 4, 1)
    per_image = decode_png(image_grid(dim_and_bright))
    together = decode_png(image_grid(dim_and_bright, normalize="global"))
    tile = tile_side(per_image, 2)
    assert colour_at(per_image, GAP + tile - 1, GAP + tile - 1) == (255, 255, 255)
    assert colour_at(together, GAP + tile - 1, GAP + tile - 1) == (128, 128, 128)
    with pytest.raises(ValueError, match="normalize"):
        image_grid(dim_and_bright, normalize="sometimes")


def test_filter_grid_draws_one_tile_per_output_filter_with_shared_sign_colours():
    kernel = np.zeros((3, 3, 2, 5))
    kernel[..., 0] = 1.0     # a positive filter
    kernel[..., 1] = -1.0    # a negative one
    pixels = decode_png(filter_grid(kernel))
    tile = tile_side(pixels, 3)       # 5 filters -> 3 columns, 2 rows
    step = tile + GAP
    assert pixels.shape[:2] == (2 * step + GAP, 3 * step + GAP)
    assert colour_at(pixels, 0, 0) == SEPARATOR_NEUTRAL        # the frame
    assert colour_at(pixels, GAP, GAP) == BLUE_WHITE_RED[-1]
    assert colour_at(pixels, GAP, GAP + step) == BLUE_WHITE_RED[0]
    assert colour_at(pixels, GAP, GAP + 2 * step) == BLUE_WHITE_RED[2]
    assert colour_at(pixels, GAP, step) == SEPARATOR_NEUTRAL   # between two tiles
    rgb = decode_png(filter_grid(np.ones((3, 3, 3, 4)), max_filters=2))
    assert rgb.shape[0] < rgb.shape[1] and colour_at(rgb, GAP, GAP) == (255, 255, 255)
    assert colour_at(rgb, 0, 0) == SEPARATOR_NEUTRAL


def test_histogram_svg_is_valid_svg_with_range_and_nonfinite_counts():
    svg = histogram_svg(np.array([-1.5, 0.0, 0.0, 2.5, np.nan, np.inf, -np.inf]), bins=4)
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "-1.5" in texts and "2.5" in texts
    assert any("nan 1 inf 2" in t for t in texts)
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 3  # one bin is empty


def test_histogram_bars_stay_clear_of_the_caption_and_labels_inside_the_box():
    svg = histogram_svg(np.r_[np.zeros(50), np.ones(3), np.nan], bins=4)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    caption_y = max(float(t.get("y")) for t in root.iter(ns + "text") if "n=" in t.text)
    tallest_top = min(float(r.get("y")) for r in root.iter(ns + "rect"))
    assert tallest_top >= caption_y + 4    # a 12 px caption's descent, then a gap
    assert all(float(t.get("y")) <= float(root.get("height")) - 2 for t in root.iter(ns + "text"))


def test_histogram_svg_escapes_every_text(monkeypatch):
    monkeypatch.setattr(image, "_num", lambda x: '<script>"&')
    svg = histogram_svg(np.arange(10.0), bins=3)
    assert "<script>" not in svg and "&lt;script&gt;&quot;&amp;" in svg
    ET.fromstring(svg)


def test_histogram_svg_samples_big_arrays_but_counts_every_nan():
    values = np.zeros(2_000_001)
    values[1] = np.nan   # the strided sample skips index 1
    svg = histogram_svg(values, max_samples=1_000_000)
    assert "1 in 3 binned" in svg and "nan 1 " in svg


def test_histogram_svg_handles_bool_empty_and_rejects_text():
    assert "n=3" in histogram_svg(np.array([True, False, True]))
    assert "no finite values" in histogram_svg(np.zeros(0))
    with pytest.raises(TypeError):
        histogram_svg(np.array(["a", "b"]))
