# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deterministic corpus of photo pairs for measuring the change-detection metric.

Every pair is (desired, current, expected) where ``desired`` is what the
collection would upload (a normalise_image() JPEG) and ``current`` is what
Microsoft Graph would hand back: a re-encoded, maybe downscaled JPEG.

Base photos:
* real photographs shipped by scikit-image in ``skimage/data`` (read with
  Pillow only; the package is located without importing it), when installed;
* synthetic portrait-like images drawn here with Pillow from a fixed seed.

Nothing is random at run time: all noise comes from ``random.Random(seed)``.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import random
from dataclasses import dataclass, field

from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps, ImageStat

# Real photographs from scikit-image (BSD licensed sample data); grey ones are
# kept because grey-scale staff photos and scans happen too.
REAL_PHOTOS = (
    'astronaut.png',
    'chelsea.png',
    'coffee.png',
    'rocket.jpg',
    'motorcycle_left.png',
    'hubble_deep_field.jpg',
    'retina.jpg',
    'ihc.png',
    'color.png',
    'camera.png',
    'coins.png',
    'moon.png',
    'brick.png',
    'grass.png',
    'gravel.png',
    'page.png',
    'logo.png',
    'text.png',
    'horse.png',
    'cell.png',
    'clock_motion.png',
)
# Resampling filters a photo service might use when it makes its renditions.
FILTERS = {
    'nearest': Image.Resampling.NEAREST,
    'bilinear': Image.Resampling.BILINEAR,
    'bicubic': Image.Resampling.BICUBIC,
    'lanczos': Image.Resampling.LANCZOS,
    'box': Image.Resampling.BOX,
    'hamming': Image.Resampling.HAMMING,
}
SERVICE_SIZES = (240, 360, 432, 504, 648)


@dataclass
class Base:
    name: str
    kind: str  # 'real' or 'synthetic'
    source: Image.Image  # square RGB source (94 % centre square of the original)
    frame_b: Image.Image | None = None  # second frame of the same scene from another viewpoint
    achromatic: bool = False


@dataclass
class Pair:
    base: str
    category: str  # e.g. 'same:reencode', 'changed:mirror'
    variant: str
    desired: bytes
    current: bytes
    same: bool
    rendition: str = 'full'  # 'full' or '240' (the service's 240x240 rendition)
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# Base photos
# --------------------------------------------------------------------------


def skimage_data_dir():
    """skimage/data without importing skimage (which would pull in numpy)."""
    try:
        spec = importlib.util.find_spec('skimage')
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), 'data')
    return path if os.path.isdir(path) else None


def _square_source(img, fraction=0.94):
    """The centre square (94 % of the short side) so a 2 % shifted crop still fits inside."""
    img = _flatten(img)
    side = int(min(img.size) * fraction)
    left = (img.width - side) // 2
    top = (img.height - side) // 2
    return img.crop((left, top, left + side, top + side))


def _flatten(img):
    if img.mode in ('RGBA', 'LA', 'P'):
        img = img.convert('RGBA')
        flat = Image.new('RGB', img.size, (255, 255, 255))
        flat.paste(img, (0, 0), img.getchannel('A'))
        return flat
    return img.convert('RGB')


def _is_achromatic(img):
    """Mean distance of Cb/Cr from neutral below 3 levels: a grey photo (turning it grey is no edit)."""
    ycc = img.convert('YCbCr').resize((64, 64), Image.Resampling.BOX)
    neutral = Image.new('L', ycc.size, 128)
    spread = [ImageStat.Stat(ImageChops.difference(ycc.getchannel(band), neutral)).mean[0] for band in ('Cb', 'Cr')]
    return sum(spread) / 2 < 3.0


def real_bases():
    data_dir = skimage_data_dir()
    if data_dir is None:
        return []
    bases = []
    for name in REAL_PHOTOS:
        path = os.path.join(data_dir, name)
        if not os.path.exists(path):
            continue
        with Image.open(path) as img:
            img.load()
            source = _square_source(img)
        frame_b = None
        if name == 'motorcycle_left.png':
            right = os.path.join(data_dir, 'motorcycle_right.png')
            if os.path.exists(right):
                with Image.open(right) as img:
                    img.load()
                    frame_b = _square_source(img)
        bases.append(Base(name.rsplit('.', 1)[0], 'real', source, frame_b, _is_achromatic(source)))
    return bases


def _noise(rng, size, scale=1):
    """Deterministic grey noise (Pillow's effect_noise is not seedable)."""
    small = (max(1, size[0] // scale), max(1, size[1] // scale))
    img = Image.frombytes('L', small, rng.randbytes(small[0] * small[1]))
    return img if scale == 1 else img.resize(size, Image.Resampling.BICUBIC)


def _gradient(size, top, bottom):
    grad = Image.linear_gradient('L').resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(grad, top, bottom)


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


SKIN = ((241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172), (92, 58, 40))
HAIR = ((20, 15, 10), (90, 60, 30), (200, 160, 90), (120, 30, 20), (150, 150, 150), (60, 40, 30))


def synth_portrait(seed, style='normal', size=(720, 900), view=(0, 0)):
    """A portrait-like image: background, shoulders, face with features, hair; deliberately asymmetric.

    ``view`` = (background dx, subject dx) in pixels renders the same scene from a
    camera moved sideways: the far background moves more than the near subject (parallax).
    """
    rng = random.Random(seed)
    bg_dx, subject_dx = view
    w, h = size
    c1 = tuple(rng.randrange(40, 230) for _channel in range(3))
    c2 = tuple(rng.randrange(20, 200) for _channel in range(3))
    img = _gradient(size, c1, c2)
    if style != 'flat':
        texture = ImageChops.offset(_noise(rng, size, scale=24), bg_dx, 0).convert('RGB')
        img = Image.blend(img, texture, 0.12)
    draw = ImageDraw.Draw(img)
    # Background objects give the scene structure away from the face (a window, a shelf).
    for _obstacle in range(rng.randrange(1, 4)):
        x0, y0 = rng.randrange(0, w - 120) + bg_dx, rng.randrange(0, h // 2)
        colour = tuple(rng.randrange(0, 256) for _channel in range(3))
        draw.rectangle((x0, y0, x0 + rng.randrange(60, 240), y0 + rng.randrange(40, 200)), fill=colour)
    skin = SKIN[rng.randrange(len(SKIN))]
    hair = HAIR[rng.randrange(len(HAIR))]
    shirt = tuple(rng.randrange(0, 256) for _channel in range(3))
    cx = w // 2 + rng.randrange(-60, 61) + subject_dx
    cy = int(h * rng.uniform(0.33, 0.42))
    fw, fh = int(w * rng.uniform(0.22, 0.30)), int(h * rng.uniform(0.20, 0.26))
    # Shoulders and neck.
    draw.ellipse((cx - int(w * 0.45), cy + fh, cx + int(w * 0.42), cy + fh + int(h * 0.9)), fill=shirt)
    if style == 'stripes':
        for x in range(0, w, 14):
            draw.line((x, cy + fh + 40, x + 80, h), fill=tuple(255 - c for c in shirt), width=5)
    draw.rectangle((cx - fw // 4, cy + fh // 2, cx + fw // 4, cy + fh + 30), fill=skin)
    # Hair behind the face, parted on one side.
    draw.ellipse((cx - fw // 2 - 25, cy - fh // 2 - 45, cx + fw // 2 + 25, cy + fh // 4), fill=hair)
    draw.ellipse((cx - fw // 2, cy - fh // 2, cx + fw // 2, cy + fh // 2), fill=skin)
    part = rng.choice((-1, 1))
    draw.polygon(
        [
            (cx - fw // 2 - 5, cy - fh // 6),
            (cx + part * fw // 5, cy - fh // 2 - 20),
            (cx + fw // 2 + 5, cy - fh // 4),
            (cx + fw // 2, cy - fh // 2 - 30),
            (cx - fw // 2, cy - fh // 2 - 30),
        ],
        fill=hair,
    )
    ex = fw // 5
    ey = cy - fh // 10
    gaze = rng.randrange(-4, 5)
    for side in (-1, 1):
        x = cx + side * ex
        draw.ellipse((x - 16, ey - 9, x + 16, ey + 9), fill=(245, 245, 240))
        draw.ellipse((x - 6 + gaze, ey - 6, x + 6 + gaze, ey + 6), fill=(40, 30, 20))
        draw.line((x - 20, ey - 22 - side * 3, x + 18, ey - 24), fill=hair, width=5)
    draw.line((cx + 3, ey + 5, cx - 6, ey + fh // 5), fill=tuple(max(0, c - 50) for c in skin), width=4)
    mouth_y = cy + fh // 4
    draw.arc((cx - fw // 6, mouth_y - 15, cx + fw // 6 + rng.randrange(0, 12), mouth_y + 15), 10, 170, fill=(150, 50, 50), width=5)
    if style in ('text', 'flat'):
        draw.rectangle((40, h - 160, 330, h - 60), fill=(255, 255, 255))
        draw.text((60, h - 150), 'ACME %d' % seed, fill=(200, 20, 20), font=_font(60))
    if style != 'hard':
        img = img.filter(ImageFilter.GaussianBlur(1.2))
    if style not in ('flat', 'hard'):
        grain = _noise(rng, size).convert('RGB')
        img = Image.blend(img, grain, 0.10 if style == 'grain' else 0.04)
    if style == 'dark':
        img = ImageEnhance.Brightness(img).enhance(0.28)
    elif style == 'lowcontrast':
        img = Image.blend(img, Image.new('RGB', size, (128, 128, 128)), 0.75)
    elif style == 'bright':
        img = ImageEnhance.Brightness(img).enhance(1.5)
    elif style == 'grey':
        img = ImageOps.grayscale(img).convert('RGB')
    elif style == 'pastel':
        img = ImageEnhance.Color(img).enhance(0.35)
    return img


def synth_logo(seed, size=(700, 700)):
    """A flat, logo-like image: solid colours, geometric shapes, big text, no noise."""
    rng = random.Random(seed)
    bg = tuple(rng.randrange(0, 256) for _channel in range(3))
    img = Image.new('RGB', size, bg)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.ellipse((w * 0.18, h * 0.12, w * 0.7, h * 0.64), fill=tuple(255 - c for c in bg))
    draw.polygon(
        [(w * 0.55, h * 0.3), (w * 0.9, h * 0.45), (w * 0.6, h * 0.75)], fill=tuple(rng.randrange(0, 256) for _channel in range(3))
    )
    draw.text((w * 0.12, h * 0.74), 'Contoso', fill=(0, 0, 0) if sum(bg) > 380 else (255, 255, 255), font=_font(90))
    return img


SYNTH_STYLES = (
    'normal',
    'normal',
    'normal',
    'normal',
    'dark',
    'dark',
    'lowcontrast',
    'lowcontrast',
    'bright',
    'grey',
    'pastel',
    'grain',
    'hard',
    'stripes',
    'text',
    'flat',
    'normal',
    'lowcontrast',
)


def synthetic_bases(count=None):
    """The synthetic bases; ``count`` limits the portraits (and drops the logos) for quick tests."""
    bases = []
    for i, style in enumerate(SYNTH_STYLES[:count]):
        seed = 1000 + i
        frame_a = synth_portrait(seed, style, size=(700, 875))
        img = _square_source(frame_a)
        frame_b = _square_source(_viewpoint_frame(seed, style, (700, 875)))
        bases.append(Base('synth%02d-%s' % (i, style), 'synthetic', img, frame_b, _is_achromatic(img)))
    for i in range(3 if count is None else 0):
        img = _square_source(synth_logo(2000 + i))
        bases.append(Base('logo%d' % i, 'synthetic', img, None, _is_achromatic(img)))
    return bases


def _viewpoint_frame(seed, style, size):
    """The same scene with the camera moved sideways: background 3 % of the width, subject 1 %."""
    return synth_portrait(seed, style, size=size, view=(int(size[0] * 0.03), int(size[0] * 0.01)))


def _perspective(img, amount):
    """Move the top corners inwards by ``amount`` of the width: a small change of viewpoint."""
    w, h = img.size
    d = w * amount
    # Coefficients for Image.transform(PERSPECTIVE) mapping output->input, solved for the 4 corners.
    src = [(d, 0), (w - d, d / 2), (w, h), (0, h)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BICUBIC)


def _perspective_coeffs(out_pts, in_pts):
    """Solve the 8 perspective coefficients with plain Gaussian elimination (no numpy)."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(out_pts, in_pts):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    n = 8
    m = [row + [r] for row, r in zip(rows, rhs)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def all_bases():
    return real_bases() + synthetic_bases()


# --------------------------------------------------------------------------
# The simulated service
# --------------------------------------------------------------------------


def encode_png(img):
    buf = io.BytesIO()
    img.save(buf, 'PNG', compress_level=1)
    return buf.getvalue()


def encode_jpeg(img, quality, subsampling=2):
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=quality, subsampling=subsampling)
    return buf.getvalue()


def service(uploaded, size=None, quality=75, subsampling=2, resample='bicubic', decoded=None):
    """What Microsoft Graph might return for an uploaded JPEG: optionally resized, re-encoded."""
    img = decoded if decoded is not None else Image.open(io.BytesIO(uploaded)).convert('RGB')
    if size is not None and size != img.width:
        img = img.resize((size, size), FILTERS[resample])
    return encode_jpeg(img, quality, subsampling)


def encode_bmp(img):
    buf = io.BytesIO()
    img.save(buf, 'BMP')
    return buf.getvalue()


def normalised(img, **options):
    # BMP: lossless like PNG, but without the zlib cost (the corpus normalises ~500 sources).
    return normalise_image(encode_bmp(img), **options).data


# Service behaviours for the "same" pairs: (label, size or None, quality, subsampling, filter).
SAME_VARIANTS = (
    ('q50-420', None, 50, 2, 'bicubic'),
    ('q60-444', None, 60, 0, 'bicubic'),
    ('q75-420', None, 75, 2, 'bicubic'),
    ('q85-422', None, 85, 1, 'bicubic'),
    ('q95-444', None, 95, 0, 'bicubic'),
    ('648-lanczos-q80', 648, 80, 2, 'lanczos'),
    ('504-bilinear-q70', 504, 70, 2, 'bilinear'),
    ('432-box-q90', 432, 90, 0, 'box'),
    ('360-bicubic-q75', 360, 75, 2, 'bicubic'),
    ('360-hamming-q50', 360, 50, 2, 'hamming'),
    ('240-lanczos-q75', 240, 75, 2, 'lanczos'),
    ('240-bilinear-q60', 240, 60, 1, 'bilinear'),
    ('240-nearest-q85', 240, 85, 2, 'nearest'),
    ('240-box-q50', 240, 50, 2, 'box'),
)


def same_pairs(base, desired):
    pairs = []
    decoded = Image.open(io.BytesIO(desired)).convert('RGB')
    side = decoded.width
    for label, size, quality, subsampling, resample in SAME_VARIANTS:
        if size is not None and size > side:
            # The service does not invent pixels; a small upload keeps its size.
            continue
        current = service(desired, size, quality, subsampling, resample, decoded=decoded)
        rendition = '240' if size == 240 else 'full'
        pairs.append(Pair(base.name, 'same:' + ('downscale' if size else 'reencode'), label, desired, current, True, rendition))
    # Two generations of re-encoding (the service re-saves a stored copy).
    twice = service(service(desired, None, 85, 2, decoded=decoded), 360 if side > 360 else None, 70, 2, 'bilinear')
    pairs.append(Pair(base.name, 'same:generations', 'q85-then-360-q70', desired, twice, True))
    if side < 648:
        up = service(desired, 648, 80, 2, 'bicubic', decoded=decoded)
        pairs.append(Pair(base.name, 'same:upscaled', 'upscaled-648-q80', desired, up, True))
    # The service hands back a lossless PNG (or someone stored one): the format must not matter.
    pairs.append(Pair(base.name, 'same:png-current', 'png', desired, encode_png(decoded), True))
    # The same source uploaded by another tool (e.g. the portal): the service makes its JPEG from the
    # source itself (bicubic, q80 4:2:0), never from our normalised JPEG.
    portal_size = min(side, 648)
    portal = base.source.resize((portal_size, portal_size), Image.Resampling.BICUBIC)
    pairs.append(Pair(base.name, 'same:png-to-jpeg-elsewhere', 'source-bicubic-q80', desired, encode_jpeg(portal, 80), True))
    # The source was re-saved by the user (PNG vs JPEG q92) -> different desired bytes, same photo.
    resaved = Image.open(io.BytesIO(encode_jpeg(base.source, 92, 0))).convert('RGB')
    other_desired = normalised(resaved)
    pairs.append(
        Pair(
            base.name,
            'same:resaved-source',
            'source-as-jpeg-q92',
            other_desired,
            service(desired, 360 if side > 360 else None, 75, 2),
            True,
        )
    )
    return pairs


# --------------------------------------------------------------------------
# Real edits
# --------------------------------------------------------------------------


def _patch_box(img, rng, area=0.01):
    side = int(img.width * area**0.5)
    x = rng.randrange(int(img.width * 0.15), int(img.width * 0.85) - side)
    y = rng.randrange(int(img.height * 0.15), int(img.height * 0.85) - side)
    return (x, y, x + side, y + side)


def _local_mean(img, box):
    return ImageOps.grayscale(img.crop(box)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


def patch_high_contrast(img, rng):
    """An opaque 1 % patch with a logo on it, in a colour far from what it covers."""
    out = img.copy()
    box = _patch_box(out, rng)
    mean = _local_mean(out, box)
    fill = (20, 20, 30) if mean > 110 else (245, 240, 230)
    draw = ImageDraw.Draw(out)
    draw.rectangle(box, fill=fill)
    draw.text((box[0] + 3, box[1] + 3), 'AB', fill=(220, 30, 30), font=_font(max(8, (box[2] - box[0]) // 2)))
    return out


def patch_subtle(img, rng):
    """A 1 % patch blended at 20 % opacity towards black or white: low contrast, easy to miss."""
    out = img.copy()
    box = _patch_box(out, rng)
    mean = _local_mean(out, box)
    region = out.crop(box)
    target = Image.new('RGB', region.size, (0, 0, 0) if mean > 128 else (255, 255, 255))
    out.paste(Image.blend(region, target, 0.20), box[:2])
    return out


def patch_glasses(img, rng):
    """Thin dark spectacles drawn over an area of about 1 % (outlines only)."""
    out = img.copy()
    w = out.width
    box = _patch_box(out, rng, area=0.012)
    x0, y0, x1, y1 = box
    mid = (x0 + x1) // 2
    # Frames about 1/100 of the width thick, as in a head-and-shoulders photo.
    lw = max(3, round(w / 100))
    # Dark frames on a light face, metal-coloured frames on a dark one: glasses you can see.
    frame = (15, 15, 15) if _local_mean(out, box) > 100 else (200, 200, 205)
    draw = ImageDraw.Draw(out)
    h = (y1 - y0) // 2
    draw.ellipse((x0, y0 + h // 2, mid - 4, y0 + h // 2 + h), outline=frame, width=lw)
    draw.ellipse((mid + 4, y0 + h // 2, x1, y0 + h // 2 + h), outline=frame, width=lw)
    draw.line((mid - 4, y0 + h, mid + 4, y0 + h), fill=frame, width=lw)
    return out


def shifted_crop(base, fraction=0.02):
    """Two framings of the source that differ by ``fraction`` of the width (a re-framed crop).

    A 98 % window is taken at the left and at the right edge of the source square.
    """
    img = base.source
    side = img.width
    inner = int(round(side * (1 - fraction)))
    delta = side - inner
    left = img.crop((0, delta // 2, inner, delta // 2 + inner))
    right = img.crop((delta, delta // 2, side, delta // 2 + inner))
    return left, right


def visibly_changed(before, after, whole_image=False):
    """False when an edit is a no-op on this image.

    A local edit must move at least 0.05 % of the pixels by more than 8 levels;
    a whole-image edit (brightness, greyscale) must move the mean by 1 level
    (+10 % brightness on a black-and-white drawing only touches its anti-aliased edges).
    """
    diff = ImageChops.difference(before, after)
    if whole_image:
        return max(ImageStat.Stat(diff).mean) >= 1.0
    moved = sum(diff.convert('L').histogram()[9:])
    return moved > 0.0005 * before.width * before.height


EDITS = {
    'mirror': lambda img, rng: ImageOps.mirror(img),
    'brighter10': lambda img, rng: ImageEnhance.Brightness(img).enhance(1.10),
    'darker10': lambda img, rng: ImageEnhance.Brightness(img).enhance(0.90),
    'greyscale': lambda img, rng: ImageOps.grayscale(img).convert('RGB'),
    'patch-high-contrast': patch_high_contrast,
    'patch-subtle': patch_subtle,
    'patch-glasses': patch_glasses,
}
CHANGED_SERVICE = (360, 75, 2, 'bicubic')


@functools.cache
def _service_views(desired_edit):
    """The edited photo as the service holds it: q75 at 360 px, and its 240 rendition (cached: reused by many pairs)."""
    decoded = Image.open(io.BytesIO(desired_edit)).convert('RGB')
    size, quality, subsampling, resample = CHANGED_SERVICE
    stored = decoded.resize((size, size), FILTERS[resample]) if decoded.width > size else decoded
    # The 240 rendition is made from the stored copy, as a thumbnailer would (and 3x cheaper than from 648).
    small = stored.resize((240, 240), FILTERS[resample]) if stored.width > 240 else stored
    return (('full', encode_jpeg(stored, quality, subsampling)), ('240', encode_jpeg(small, quality, subsampling)))


def _both_directions(base, category, variant, a, b):
    """a and b are two different normalised photos: each is once desired, once what the service holds."""
    pairs = []
    for direction, desired, other in (('fwd', a, b), ('rev', b, a)):
        for rendition, current in _service_views(other):
            pairs.append(Pair(base.name, category, '%s-%s' % (variant, direction), desired, current, False, rendition))
    return pairs


def changed_pairs(base, desired, seed):
    rng = random.Random(seed)
    pairs = []
    for name, edit in EDITS.items():
        if name == 'greyscale' and base.achromatic:
            # Already grey: turning it grey changes nothing, so it is not a change to detect.
            continue
        edited_source = edit(base.source, rng)
        if not visibly_changed(base.source, edited_source, whole_image=not name.startswith('patch')):
            # e.g. +10 % brightness on a pure black-and-white drawing: clipped, nothing changed.
            continue
        edited = normalised(edited_source)
        pairs.extend(_both_directions(base, 'changed:' + name, name, desired, edited))
    left, right = shifted_crop(base)
    pairs.extend(_both_directions(base, 'changed:crop-shift-2pct', 'crop-shift', normalised(left), normalised(right)))
    if base.frame_b is not None:
        pairs.extend(_both_directions(base, 'changed:viewpoint', 'second-frame', desired, normalised(base.frame_b)))
    else:
        warped = normalised(_perspective(base.source, 0.025))
        pairs.extend(_both_directions(base, 'changed:viewpoint', 'perspective-2.5pct', desired, warped))
    return pairs


def other_photo_pairs(bases, desired_by_name):
    """Every base against every other base, each current as the service holds it at 360 px."""
    pairs = []
    names = [b.name for b in bases]
    currents = {name: dict(_service_views(desired_by_name[name])) for name in names}
    for a in names:
        for b in names:
            if a != b:
                for rendition in ('full', '240'):
                    pairs.append(Pair(a, 'changed:other-photo', b, desired_by_name[a], currents[b][rendition], False, rendition))
    return pairs


def build_corpus(bases=None):
    """All pairs; deterministic for a given Pillow version."""
    bases = all_bases() if bases is None else bases
    desired_by_name = {}
    pairs = []
    for i, base in enumerate(bases):
        desired = normalised(base.source)
        desired_by_name[base.name] = desired
        pairs.extend(same_pairs(base, desired))
        pairs.extend(changed_pairs(base, desired, seed=5000 + i))
    pairs.extend(other_photo_pairs(bases, desired_by_name))
    return bases, pairs
