"""Image files for the integration tests, made on the fly."""

import io
import struct
import zlib

from PIL import Image
from sample_photos import portrait


def jpeg(name, variant=0, size=(800, 1000), **save):
    buffer = io.BytesIO()
    portrait(name, width=size[0], height=size[1], variant=variant).save(buffer, format='JPEG', quality=92, **save)
    return buffer.getvalue()


def encode(image, fmt, **save):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_bomb(width=20000, height=20000):
    """A valid PNG header declaring 20000x20000 pixels with a tiny compressed body."""

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b'\x00' * (width // 8 + 1) * 64)
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 1, 0, 0, 0, 0))
        + chunk(b'IDAT', raw)
        + chunk(b'IEND', b'')
    )


def exif_rotated(name):
    """A landscape JPEG whose EXIF says 'rotate 90° clockwise to display' (Orientation 6)."""
    image = portrait(name).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(image, 'JPEG', quality=92, exif=exif.tobytes())


def cmyk_jpeg(name):
    return encode(portrait(name).convert('CMYK'), 'JPEG', quality=92)


def png16(name):
    grey = portrait(name).convert('L')
    return encode(grey.point(lambda v: v * 256, mode='I').convert('I;16'), 'PNG')


def animated_gif(name):
    frames = [portrait(name, variant=v).convert('P') for v in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format='GIF', save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()
