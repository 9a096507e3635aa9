"""Before/after pictures and measurements of crop: face for docs/normalisation.md.

    PYTHONPATH=build/collections:tests .venv/bin/python tools/face_crop_pictures.py

Writes docs/images/face-crop-*.png (the source, then crop=center, top and face at 160 px) and
prints the table of where the face lands (centre x and top y as fractions of the output)."""

import io
import os

from ansible_collections.m365.photos.plugins.module_utils._imaging.face import detect_face
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from face_photos import face_photos, face_position, png_bytes, well_framed
from PIL import Image, ImageDraw

OUT = os.path.join(os.path.dirname(__file__), '..', 'docs', 'images')
SIDE = 160
PICTURES = ('astronaut-face-left', 'astronaut-face-right', 'astronaut-portrait')


def panel(photos_row):
    width = sum(image.width for image, dummy in photos_row) + 8 * (len(photos_row) + 1)
    sheet = Image.new('RGB', (width, SIDE + 30), 'white')
    draw = ImageDraw.Draw(sheet)
    x = 8
    for image, label in photos_row:
        sheet.paste(image, (x, 4))
        draw.text((x, SIDE + 10), label, fill='black')
        x += image.width + 8
    return sheet


def main():
    os.makedirs(OUT, exist_ok=True)
    photos = face_photos()
    print('| photo | source | crop | face centre x | face top y | in the middle third, top in the upper half |')
    print('|---|---|---|---:|---:|---|')
    for name, image in sorted(photos.items()):
        source = png_bytes(image)
        row = []
        scale = float(SIDE) / image.height
        row.append((image.resize((max(1, round(image.width * scale)), SIDE), Image.Resampling.LANCZOS), 'source %dx%d' % image.size))
        for crop in ('center', 'top', 'face'):
            result = normalise_image(source, size=256, crop=crop)
            position = face_position(result.data, detect_face)
            shown = '%.2f | %.2f' % position if position else 'no face | -'
            print(
                '| %s | %dx%d | %s | %s | %s |' % (name, image.width, image.height, crop, shown, 'yes' if well_framed(position) else 'no')
            )
            with Image.open(io.BytesIO(result.data)) as out:
                row.append((out.convert('RGB').resize((SIDE, SIDE), Image.Resampling.LANCZOS), 'crop: %s' % crop))
        if name in PICTURES:
            # A 128-colour palette keeps each picture small enough to commit.
            panel(row).quantize(128, dither=Image.Dither.NONE).save(os.path.join(OUT, 'face-crop-%s.png' % name), optimize=True)


if __name__ == '__main__':
    main()
