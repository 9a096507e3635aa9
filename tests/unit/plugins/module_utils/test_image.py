# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import io
import struct
import zlib

import pytest
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import (
    MAX_UPLOAD_BYTES,
    ImageError,
    NormalisedImage,
    load_image,
    normalise_image,
    validate_options,
)
from PIL import Image, ImageDraw

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)


def encode(img, fmt, **params):
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def decode(data):
    return Image.open(io.BytesIO(data)).convert('RGB')


def close(pixel, colour, tol=40):
    return all(abs(a - b) <= tol for a, b in zip(pixel, colour))


def photo(size=(800, 600), seed=0):
    """A small synthetic photo with structure in every region."""
    img = Image.linear_gradient('L').resize(size).convert('RGB')
    draw = ImageDraw.Draw(img)
    draw.ellipse((size[0] * 0.3, size[1] * 0.2, size[0] * 0.7, size[1] * 0.8), fill=(200, 150, 100 + seed))
    draw.rectangle((10, 10, size[0] // 5, size[1] // 5), fill=BLUE)
    return img


def noise(size, seed=1):
    import random

    rng = random.Random(seed)
    return Image.frombytes('RGB', size, rng.randbytes(size[0] * size[1] * 3))


def half_and_half(size, top, bottom):
    img = Image.new('RGB', size, bottom)
    ImageDraw.Draw(img).rectangle((0, 0, size[0], size[1] // 2 - 1), fill=top)
    return img


# ---------------------------------------------------------------- determinism and output format


def test_same_input_gives_same_bytes():
    data = encode(photo(), 'PNG')
    first = normalise_image(data)
    second = normalise_image(data)
    assert first.data == second.data
    assert first.sha256 == second.sha256
    assert isinstance(first, NormalisedImage)
    assert (first.width, first.height, first.source_format, first.source_width, first.source_height, first.quality) == (
        600,
        600,
        'PNG',
        800,
        600,
        90,
    )


def test_output_is_baseline_jpeg_without_metadata():
    src = photo()
    exif = Image.Exif()
    exif[0x010F] = 'CameraMaker'
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
    data = encode(src, 'JPEG', quality=95, exif=exif.tobytes(), icc_profile=icc, comment=b'secret comment')
    out = normalise_image(data).data
    assert out[:3] == b'\xff\xd8\xff'
    for marker in (b'Exif', b'ICC_PROFILE', b'CameraMaker', b'secret comment'):
        assert marker not in out
    img = Image.open(io.BytesIO(out))
    assert img.format == 'JPEG' and img.mode == 'RGB'
    assert not img.info.get('progressive') and not img.info.get('progression')


def test_options_change_output():
    data = encode(photo(), 'PNG')
    assert normalise_image(data, quality=70).data != normalise_image(data).data
    assert normalise_image(data, size=100).width == 100


# ---------------------------------------------------------------- geometry


def test_center_crop_of_landscape():
    img = Image.new('RGB', (900, 300), RED)
    ImageDraw.Draw(img).rectangle((300, 0, 599, 299), fill=BLUE)
    out = decode(normalise_image(encode(img, 'PNG'), size=100).data)
    assert out.size == (100, 100)
    assert close(out.getpixel((50, 50)), BLUE) and close(out.getpixel((2, 50)), BLUE)


def test_top_crop_keeps_the_top_of_a_portrait():
    img = half_and_half((300, 900), RED, BLUE)  # top 450 px red
    centre = decode(normalise_image(encode(img, 'PNG'), size=100, crop='center').data)
    top = decode(normalise_image(encode(img, 'PNG'), size=100, crop='top').data)
    assert close(top.getpixel((50, 5)), RED) and close(top.getpixel((50, 95)), RED)
    assert close(centre.getpixel((50, 5)), RED) and close(centre.getpixel((50, 95)), BLUE)


def test_top_crop_of_landscape_is_centre_crop():
    data = encode(photo((900, 400)), 'PNG')
    assert normalise_image(data, crop='top').data == normalise_image(data, crop='center').data


def test_crop_none_pads_with_background():
    img = Image.new('RGB', (400, 200), RED)
    out = decode(normalise_image(encode(img, 'PNG'), size=100, crop='none', background='#00ff00').data)
    assert out.size == (100, 100)
    assert close(out.getpixel((50, 2)), GREEN) and close(out.getpixel((50, 50)), RED) and close(out.getpixel((50, 97)), GREEN)


def test_never_upscales_and_warns():
    result = normalise_image(encode(photo((300, 300)), 'PNG'))
    assert (result.width, result.height) == (300, 300)
    assert len(result.warnings) == 1
    assert 'source is 300x300, smaller than the requested 648x648' in result.warnings[0]
    assert 'not upscaled' in result.warnings[0]


def test_no_warning_when_large_enough():
    assert normalise_image(encode(photo((700, 700)), 'PNG')).warnings == []


def test_large_jpeg_is_decoded_in_draft_mode():
    big = photo((4000, 3000))
    data = encode(big, 'JPEG', quality=90)
    result = normalise_image(data)
    assert (result.width, result.source_width, result.source_height) == (648, 4000, 3000)
    # libjpeg's DCT scaling: 1/4 is the smallest scale that keeps both sides >= 648 (1/8 gives 500x375).
    assert load_image(data, draft_size=648).size == (1000, 750)
    assert load_image(data).size == (4000, 3000)


# ---------------------------------------------------------------- colour handling


def test_exif_rotated_photo_comes_out_upright():
    upright = half_and_half((200, 300), RED, BLUE)  # portrait: red on top
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera held sideways writes
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = encode(stored, 'JPEG', quality=95, exif=exif.tobytes())
    loaded = load_image(data)
    assert loaded.size == (200, 300)
    assert close(loaded.getpixel((100, 10)), RED) and close(loaded.getpixel((100, 290)), BLUE)
    result = normalise_image(data, crop='top')
    assert (result.source_width, result.source_height) == (200, 300)
    out = decode(result.data)
    assert close(out.getpixel((100, 10)), RED)


def test_cmyk_jpeg():
    img = Image.new('CMYK', (300, 300), (0, 255, 255, 0))  # pure red in CMYK
    data = encode(img, 'JPEG', quality=95)
    out = decode(normalise_image(data).data)
    assert close(out.getpixel((150, 150)), RED, tol=50)


def test_srgb_profile_is_not_reapplied():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
    src = photo((300, 300))
    assert normalise_image(encode(src, 'PNG', icc_profile=icc)).data == normalise_image(encode(src, 'PNG')).data


def test_sixteen_bit_png_is_scaled_not_clipped():
    grad = Image.linear_gradient('L').resize((256, 256)).convert('I').point(lambda v: v * 257)
    data = encode(grad.convert('I;16'), 'PNG')
    assert Image.open(io.BytesIO(data)).mode.startswith('I')
    out = decode(normalise_image(data).data).convert('L')
    low, high = out.getextrema()
    assert low < 15 and high > 240
    mid = out.getpixel((128, 128))
    assert 100 < mid < 156


def test_rgba_png_is_flattened_onto_background():
    img = Image.new('RGBA', (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((50, 50, 149, 149), fill=(255, 0, 0, 255))
    out = decode(normalise_image(encode(img, 'PNG'), background='#00ff00').data)
    assert close(out.getpixel((5, 5)), GREEN) and close(out.getpixel((100, 100)), RED)
    white = decode(normalise_image(encode(img, 'PNG')).data)
    assert close(white.getpixel((5, 5)), (255, 255, 255))


def test_palette_gif_with_transparency():
    img = Image.new('P', (120, 120), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    ImageDraw.Draw(img).rectangle((30, 30, 89, 89), fill=1)
    data = encode(img, 'GIF', transparency=0)
    out = decode(normalise_image(data, background='blue').data)
    assert close(out.getpixel((5, 5)), BLUE) and close(out.getpixel((60, 60)), RED)


def test_animated_gif_uses_first_frame():
    frames = [Image.new('RGB', (100, 100), RED), Image.new('RGB', (100, 100), BLUE)]
    data = encode(frames[0], 'GIF', save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    out = decode(normalise_image(data).data)
    assert close(out.getpixel((50, 50)), RED)


@pytest.mark.parametrize(
    'fmt, name', [('BMP', 'BMP'), ('WEBP', 'WebP'), ('TIFF', 'TIFF'), ('PNG', 'PNG'), ('JPEG', 'JPEG'), ('GIF', 'GIF')]
)
def test_supported_formats(fmt, name):
    params = {'lossless': True} if fmt == 'WEBP' else {}
    result = normalise_image(encode(photo((320, 240)), fmt, **params))
    assert result.source_format == name
    assert (result.width, result.height) == (240, 240)


def test_greyscale_and_bilevel_sources():
    for mode in ('L', '1', 'LA'):
        result = normalise_image(encode(photo((200, 200)).convert(mode), 'PNG'))
        assert decode(result.data).size == (200, 200)


# ---------------------------------------------------------------- refusals


def refused(data, **options):
    with pytest.raises(ImageError) as err:
        normalise_image(data, **options)
    return str(err.value)


def test_empty_file():
    assert refused(b'') == 'empty file (0 bytes)'


def test_truncated_jpeg():
    data = encode(noise((400, 400)), 'JPEG', quality=90)
    assert 'truncated or corrupt JPEG' in refused(data[: len(data) // 2])


def test_truncated_png():
    data = encode(noise((200, 200)), 'PNG')
    assert 'truncated or corrupt PNG' in refused(data[: len(data) // 2])


def test_text_file_renamed_jpg():
    message = refused(b'Hello, this is not a photo\nreally\n')
    assert message == 'not an image: the file is text, not an image'
    assert 'Hello' not in message  # a file's contents are never quoted


def test_tiny_source_refused():
    assert refused(encode(noise((47, 200)), 'PNG')) == (
        'image is 47x200 pixels, smaller than 48x48, the smallest size Microsoft 365 serves; use a larger photo'
    )
    assert refused(encode(noise((1, 1)), 'PNG')).startswith('image is 1x1 pixels')


def test_svg():
    svg = b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    assert refused(svg) == 'SVG image (XML text) is not supported; convert it to PNG or JPEG'
    assert 'SVG' in refused(b'<svg xmlns="http://www.w3.org/2000/svg"/>')


def test_pdf():
    assert 'PDF document is not supported' in refused(b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n')


def test_heic():
    assert 'HEIC' in refused(b'\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic')


def test_unknown_binary():
    assert 'unrecognised file type' in refused(b'\x00\x01\x02\x03\xfe\xfd' * 10)


def png_header_only(width, height, bit_depth=1, colour_type=0):
    """A valid PNG start that declares a huge image but carries almost no data."""

    def chunk(kind, payload):
        return struct.pack('>I', len(payload)) + kind + payload + struct.pack('>I', zlib.crc32(kind + payload) & 0xFFFFFFFF)

    ihdr = struct.pack('>IIBBBBB', width, height, bit_depth, colour_type, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\x00' * 64)) + chunk(b'IEND', b'')


@pytest.mark.parametrize('side', [20000, 10000, 8000])  # Pillow error, Pillow warning, our own limit
def test_decompression_bomb_is_refused(side):
    data = png_header_only(side, side)
    message = refused(data)
    assert '%dx%d' % (side, side) in message
    assert 'larger than the 50 megapixel limit' in message


def test_max_bytes_too_small():
    message = refused(encode(noise((700, 700)), 'PNG'), max_bytes=2048)
    assert message.startswith('cannot fit under 2048 bytes even at quality 30')


def test_quality_is_lowered_to_fit():
    data = encode(noise((700, 700)), 'PNG')
    full = normalise_image(data)
    result = normalise_image(data, max_bytes=len(full.data) * 2 // 3)
    assert result.quality < 90 and len(result.data) <= len(full.data) * 2 // 3
    assert any('quality lowered' in w for w in result.warnings)


@pytest.mark.parametrize(
    'options, fragment',
    [
        ({'size': 10}, 'size must be'),
        ({'size': 5000}, 'size must be'),
        ({'size': True}, 'size must be'),
        ({'crop': 'left'}, 'crop must be one of center, top, none'),
        ({'background': 'notacolour'}, 'background must be a colour'),
        ({'background': '#12345'}, 'background must be a colour'),
        ({'quality': 0}, 'quality must be'),
        ({'quality': 101}, 'quality must be'),
        ({'max_bytes': MAX_UPLOAD_BYTES + 1}, 'max_bytes must be'),
        ({'max_bytes': 10}, 'max_bytes must be'),
    ],
)
def test_option_validation(options, fragment):
    values = {'size': 648, 'crop': 'center', 'background': '#ffffff', 'quality': 90, 'max_bytes': MAX_UPLOAD_BYTES}
    values.update(options)
    with pytest.raises(ValueError) as err:
        validate_options(**values)
    assert fragment in str(err.value)
    with pytest.raises(ValueError):
        normalise_image(encode(photo((100, 100)), 'PNG'), **values)


def test_valid_options_pass():
    validate_options(648, 'top', 'white', 85, MAX_UPLOAD_BYTES)
    validate_options(48, 'none', '#abc', 1, 1024)
