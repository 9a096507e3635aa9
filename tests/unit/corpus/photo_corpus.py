# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deterministic corpus of photo pairs for measuring the change-detection metric.

Every pair is (desired, current, expected) where ``desired`` is what the
collection would upload (a normalise_image() JPEG) and ``current`` is what
Microsoft Graph would hand back: a re-encoded, maybe downscaled JPEG.

Base photos:
* real photographs shipped by scikit-image in ``skimage/data``, by matplotlib
  (``mpl-data/sample_data``) and by scikit-learn (``datasets/images``), read
  with Pillow only (the packages are located without importing them), when installed;
* synthetic portrait-like images drawn here with Pillow from a fixed seed.

The second-generation classes (issue 11: subtler edits, harsher re-encoding, other files of the
same photo) are built on the real photographs; the synthetic images keep the first generation's
classes (see second_generation()).

Every "current" photo passes through the fake tenant's own upload processing
(tests/fake_tenant, the code that serves the integration tests), as in production:
normalise -> upload -> the service re-encodes -> compare.

Nothing is random at run time: all noise comes from ``random.Random(seed)``.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import random
import struct
from dataclasses import dataclass, field

from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps, ImageStat

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
    return package_data_dir('skimage', 'data')


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


def package_data_dir(package, *parts):
    """A data folder inside an installed package, located without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), *parts)
    return path if os.path.isdir(path) else None


# More real photographs that test-only packages ship: a head-and-shoulders portrait
# (matplotlib), a landscape and a close-up of a flower (scikit-learn).
OTHER_REAL_PHOTOS = (
    ('matplotlib', ('mpl-data', 'sample_data'), 'grace_hopper.jpg'),
    ('sklearn', ('datasets', 'images'), 'china.jpg'),
    ('sklearn', ('datasets', 'images'), 'flower.jpg'),
)


def _real_base(path, frame_b_path=None):
    with Image.open(path) as img:
        img.load()
        source = _square_source(img)
    frame_b = None
    if frame_b_path is not None and os.path.exists(frame_b_path):
        with Image.open(frame_b_path) as img:
            img.load()
            frame_b = _square_source(img)
    name = os.path.basename(path).rsplit('.', 1)[0]
    return Base(name, 'real', source, frame_b, _is_achromatic(source))


def real_bases():
    bases = []
    data_dir = skimage_data_dir()
    for name in REAL_PHOTOS if data_dir else ():
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            right = os.path.join(data_dir, 'motorcycle_right.png') if name == 'motorcycle_left.png' else None
            bases.append(_real_base(path, right))
    for package, parts, name in OTHER_REAL_PHOTOS:
        folder = package_data_dir(package, *parts)
        if folder and os.path.exists(os.path.join(folder, name)):
            bases.append(_real_base(os.path.join(folder, name)))
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


# The fake tenant's upload processing (the code the integration tests run against), loaded from its
# file so that its package (a whole HTTP server) is not imported; the layout of tests/fake_tenant moves.
_TENANT_IMAGING = (('service', 'imaging.py'), ('imaging.py',))
TENANT_QUALITY = 75
TENANT_MAX_DIMENSION = 648


@functools.cache
def tenant_imaging():
    tests_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for parts in _TENANT_IMAGING:
        path = os.path.join(tests_dir, 'fake_tenant', *parts)
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location('_corpus_fake_tenant_imaging', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if hasattr(module, 'process_upload') and hasattr(module, 'render'):
                return module
    raise ImportError("the fake tenant's imaging code (process_upload, render) was not found under tests/fake_tenant")


def tenant_upload(data):
    """What the fake tenant stores (and serves as /photo/$value) when ``data`` is uploaded."""
    return tenant_imaging().process_upload(data, 'realistic', TENANT_QUALITY, TENANT_MAX_DIMENSION)[0]


def tenant_rendition(stored, size=240):
    """The fake tenant's /photos/{size}x{size}/$value of a stored photo."""
    return tenant_imaging().render(stored, size, TENANT_QUALITY)


def encode_bmp(img):
    buf = io.BytesIO()
    img.save(buf, 'BMP')
    return buf.getvalue()


def normalised(img, **options):
    # BMP: lossless like PNG, but without the zlib cost (the corpus normalises ~500 sources).
    return normalise_image(encode_bmp(img), **options).data


# Service behaviours for the "same" pairs: (label, size or None, quality, subsampling, filter).
# Those in NEW_SAME_VARIANTS are second-generation classes (issue 11): real photographs only.
SAME_VARIANTS = (
    ('q35-420', None, 35, 2, 'bicubic'),
    ('q50-420', None, 50, 2, 'bicubic'),
    ('q60-444', None, 60, 0, 'bicubic'),
    ('q75-420', None, 75, 2, 'bicubic'),
    ('q75-422', None, 75, 1, 'bicubic'),
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
NEW_SAME_VARIANTS = ('q35-420', 'q75-422')


def _icc_s15(value):
    return struct.pack('>i', round(value * 65536))


def _icc_tag_xyz(xyz):
    return b'XYZ \0\0\0\0' + b''.join(_icc_s15(v) for v in xyz)


@functools.cache
def adobe_rgb_profile():
    """An ICC v2 matrix/TRC profile with the Adobe RGB (1998) primaries and gamma (563/256).

    Built here (no package ships one): primaries adapted to the D50 connection space,
    white point D50, one gamma curve per channel.
    """
    text = b'Adobe RGB (1998) compatible (m365.photos test corpus)'
    desc = b'desc\0\0\0\0' + struct.pack('>I', len(text) + 1) + text + b'\0' + struct.pack('>IIHB', 0, 0, 0, 0) + bytes(67)
    curve = b'curv\0\0\0\0' + struct.pack('>IH', 1, 563) + b'\0\0'
    tags = [
        (b'desc', desc),
        (b'cprt', b'text\0\0\0\0No copyright, use freely\0'),
        (b'wtpt', _icc_tag_xyz((0.9642, 1.0, 0.82491))),
        (b'rXYZ', _icc_tag_xyz((0.60974, 0.31111, 0.01947))),
        (b'gXYZ', _icc_tag_xyz((0.20528, 0.62567, 0.06087))),
        (b'bXYZ', _icc_tag_xyz((0.14919, 0.06322, 0.74457))),
        (b'rTRC', curve),
        (b'gTRC', curve),
        (b'bTRC', curve),
    ]
    table = b''
    data = b''
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack('>II', offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack('>I4sI4s4s4s', size, b'\0\0\0\0', 0x02100000, b'mntr', b'RGB ', b'XYZ ')
        + struct.pack('>6H', 2026, 1, 1, 0, 0, 0)
        + b'acsp'
        + bytes(24)
        + struct.pack('>I', 0)
        + _icc_s15(0.9642)
        + _icc_s15(1.0)
        + _icc_s15(0.82491)
        + bytes(4 + 16 + 28)
    )
    return header + struct.pack('>I', len(tags)) + table + data


def to_adobe_rgb(img):
    """The same photo with its pixels encoded in Adobe RGB (1998) (to be saved with that profile embedded)."""
    adobe = ImageCms.ImageCmsProfile(io.BytesIO(adobe_rgb_profile()))
    return ImageCms.profileToProfile(img, ImageCms.createProfile('sRGB'), adobe, outputMode='RGB')


def encode_with_icc(img, fmt, **options):
    buf = io.BytesIO()
    img.save(buf, fmt, icc_profile=adobe_rgb_profile(), **options)
    return buf.getvalue()


def exif_rotated_jpeg(img):
    """A camera-style JPEG: pixels stored sideways with EXIF Orientation 6 ("rotate 90 degrees clockwise to view")."""
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.transpose(Image.Transpose.ROTATE_90).save(buf, 'JPEG', quality=95, subsampling=0, exif=exif.tobytes())
    return buf.getvalue()


# The half-size source is compared only where the half still has two pixels per pixel compared
# (COMPARE_SIZE 64): a 161 px scan halved to 80 px has lost the detail the comparison looks at.
MIN_HALF_SIZE = 128


def second_generation(base):
    """Whether the second-generation classes (issue 11) apply: they are built on real photographs;
    the synthetic images keep the first-generation classes only (every old class applies to every base)."""
    return base.kind == 'real'


def same_pairs(base, desired):
    pairs = []
    decoded = Image.open(io.BytesIO(desired)).convert('RGB')
    side = decoded.width
    new_classes = second_generation(base)
    for label, size, quality, subsampling, resample in SAME_VARIANTS:
        if size is not None and size > side:
            # The service does not invent pixels; a small upload keeps its size.
            continue
        if label in NEW_SAME_VARIANTS and not new_classes:
            continue
        current = service(desired, size, quality, subsampling, resample, decoded=decoded)
        rendition = '240' if size == 240 else 'full'
        pairs.append(Pair(base.name, 'same:' + ('downscale' if size else 'reencode'), label, desired, current, True, rendition))
    if new_classes:
        buf = io.BytesIO()
        decoded.save(buf, 'JPEG', quality=75, progressive=True, optimize=True)
        pairs.append(Pair(base.name, 'same:progressive', 'progressive-optimised-q75', desired, buf.getvalue(), True))
    # Two and three generations of re-encoding (the service re-saves a stored copy).
    twice = service(service(desired, None, 85, 2, decoded=decoded), 360 if side > 360 else None, 70, 2, 'bilinear')
    pairs.append(Pair(base.name, 'same:generations', 'q85-then-360-q70', desired, twice, True))
    if new_classes:
        thrice = service(service(service(desired, None, 80, 2, decoded=decoded), None, 75, 2), None, 70, 2)
        pairs.append(Pair(base.name, 'same:generations', 'q80-q75-q70', desired, thrice, True))
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
    if new_classes:
        # Other files of the same photo, each normalised, one as desired, the other as the tenant holds it.
        variants = [
            ('same:exif-orientation', 'exif-rotated', normalise_image(exif_rotated_jpeg(base.source)).data, normalised_jpeg(base.source)),
            ('same:icc-adobe-rgb', 'adobe-rgb-source', normalise_image(encode_with_icc(to_adobe_rgb(base.source), 'PNG')).data, desired),
        ]
        half_side = base.source.width // 2
        if half_side >= MIN_HALF_SIZE:
            half = base.source.resize((half_side, half_side), Image.Resampling.LANCZOS)
            variants.append(('same:half-size-source', 'half-size', normalised(half), desired))
        for category, label, a, b in variants:
            pairs.append(Pair(base.name, category, label + '-fwd', a, tenant_upload(b), True))
            pairs.append(Pair(base.name, category, label + '-rev', b, tenant_upload(a), True))
        # A service that keeps the embedded profile: the current photo's pixels are Adobe RGB, tagged as such.
        adobe_current = encode_with_icc(to_adobe_rgb(decoded), 'JPEG', quality=85)
        pairs.append(Pair(base.name, 'same:icc-adobe-rgb', 'adobe-rgb-current', desired, adobe_current, True, extra={'keeps_icc': True}))
    # What the fake tenant itself stores and serves for our upload, and for every case above: the
    # current photo as the service re-encodes it once more (the production path).
    stored = tenant_upload(desired)
    pairs.append(Pair(base.name, 'same:tenant', 'as-uploaded', desired, stored, True))
    if side >= 240:
        pairs.append(Pair(base.name, 'same:tenant', 'tenant-240', desired, tenant_rendition(stored, 240), True, '240'))
    for pair in list(pairs) if new_classes else ():
        if pair.rendition == 'full' and pair.category != 'same:tenant' and not pair.extra.get('keeps_icc'):
            again = tenant_upload(pair.current)
            pairs.append(Pair(base.name, pair.category, pair.variant + '+tenant', pair.desired, again, True))
    return pairs


def normalised_jpeg(img):
    """Normalised from a JPEG q95 4:4:4 file of ``img`` (as a camera or editor saves it)."""
    return normalise_image(encode_jpeg(img, 95, 0)).data


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


def patch_dark(img, rng, area=0.005):
    """A dark patch over 0.5 % of the photo (a sticker, a dark lens), placed where it shows.

    On a photo with no light area (a night sky) a dark patch is no visible edit: the photo is
    returned unchanged and the pair skipped.
    """
    for _attempt in range(20):
        box = _patch_box(img, rng, area=area)
        if _local_mean(img, box) > 90:
            out = img.copy()
            ImageDraw.Draw(out).rectangle(box, fill=(28, 24, 22))
            return out
    return img


def white_balance(img, red, blue):
    """Scale the red and blue channels (a warmer or cooler white balance)."""
    r, g, b = img.split()
    return Image.merge('RGB', (r.point(lambda v: min(255, round(v * red))), g, b.point(lambda v: min(255, round(v * blue)))))


def rotated_pair(base, degrees=3.0):
    """The source and the source rotated by ``degrees``, both cut to the same central window (no borders)."""
    img = base.source
    side = img.width
    rotated = img.rotate(degrees, resample=Image.Resampling.BICUBIC)
    # A square rotated by 3 degrees still covers its centre s / (cos + sin) = 95 % square; keep 90 %.
    inner = int(side * 0.90)
    box = ((side - inner) // 2, (side - inner) // 2, (side - inner) // 2 + inner, (side - inner) // 2 + inner)
    return img.crop(box), rotated.crop(box)


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
    # Second generation (issue 11): the subtler edits of a retouch.
    'brighter5': lambda img, rng: ImageEnhance.Brightness(img).enhance(1.05),
    'darker5': lambda img, rng: ImageEnhance.Brightness(img).enhance(0.95),
    'contrast+15': lambda img, rng: ImageEnhance.Contrast(img).enhance(1.15),
    'contrast-15': lambda img, rng: ImageEnhance.Contrast(img).enhance(0.85),
    'saturation+30': lambda img, rng: ImageEnhance.Color(img).enhance(1.30),
    'saturation-30': lambda img, rng: ImageEnhance.Color(img).enhance(0.70),
    'white-balance-warmer8': lambda img, rng: white_balance(img, 1.08, 0.92),
    'white-balance-cooler8': lambda img, rng: white_balance(img, 0.92, 1.08),
    'patch-dark-0.5pct': patch_dark,
}
# The edits of the first generation; the others (issue 11) are applied to real photographs only.
OLD_EDITS = ('mirror', 'brighter10', 'darker10', 'greyscale', 'patch-high-contrast', 'patch-subtle', 'patch-glasses')
CHANGED_SERVICE = (360, 75, 2, 'bicubic')


@functools.cache
def _service_views(desired_edit):
    """The edited photo as a service holds it: the fake tenant's stored copy and its 240 rendition
    (the production path), and a harsher simulated service (bicubic to 360 px, q75). Cached: reused by many pairs."""
    stored = tenant_upload(desired_edit)
    decoded = Image.open(io.BytesIO(desired_edit)).convert('RGB')
    size, quality, subsampling, resample = CHANGED_SERVICE
    small = decoded.resize((size, size), FILTERS[resample]) if decoded.width > size else decoded
    views = [('full', '', stored), ('full', '-360', encode_jpeg(small, quality, subsampling))]
    if decoded.width >= 240:
        views.append(('240', '', tenant_rendition(stored, 240)))
    return tuple(views)


def _both_directions(base, category, variant, a, b):
    """a and b are two different normalised photos: each is once desired, once what the service holds."""
    pairs = []
    for direction, desired, other in (('fwd', a, b), ('rev', b, a)):
        for rendition, suffix, current in _service_views(other):
            pairs.append(Pair(base.name, category, '%s-%s%s' % (variant, direction, suffix), desired, current, False, rendition))
    return pairs


def changed_pairs(base, desired, seed):
    rng = random.Random(seed)
    pairs = []
    new_classes = second_generation(base)
    for name, edit in EDITS.items():
        if name not in OLD_EDITS and not new_classes:
            continue
        if name in ('greyscale', 'saturation+30', 'saturation-30') and base.achromatic:
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
    if new_classes:
        left, right = shifted_crop(base, 0.01)
        pairs.extend(_both_directions(base, 'changed:crop-shift-1pct', 'crop-shift', normalised(left), normalised(right)))
        upright, rotated = rotated_pair(base, 3.0)
        pairs.extend(_both_directions(base, 'changed:rotate-3deg', 'rotate', normalised(upright), normalised(rotated)))
    if base.frame_b is not None:
        pairs.extend(_both_directions(base, 'changed:viewpoint', 'second-frame', desired, normalised(base.frame_b)))
    else:
        warped = normalised(_perspective(base.source, 0.025))
        pairs.extend(_both_directions(base, 'changed:viewpoint', 'perspective-2.5pct', desired, warped))
    return pairs


def other_photo_pairs(bases, desired_by_name):
    """Every base against every other base, each current as the fake tenant holds it (full and 240 rendition)."""
    pairs = []
    names = [b.name for b in bases]
    currents = {name: [(r, c) for r, suffix, c in _service_views(desired_by_name[name]) if not suffix] for name in names}
    for a in names:
        for b in names:
            if a != b:
                for rendition, current in currents[b]:
                    pairs.append(Pair(a, 'changed:other-photo', b, desired_by_name[a], current, False, rendition))
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
