"""Sample portrait images for the demo and the tests, drawn with Pillow.

They are generated, not photographed, so they carry no one's likeness and no licence terms:
the repository dedicates them to the public domain (CC0-1.0). Each user gets a distinct,
deterministic picture: background gradient, head and shoulders, initials, a little texture.
"""

import hashlib
import os
import random

from PIL import Image, ImageDraw, ImageFilter


def _palette(seed):
    rng = random.Random(seed)
    return [tuple(rng.randint(40, 220) for channel in range(3)) for colour in range(4)]


def portrait(name, width=800, height=1000, variant=0):
    """A deterministic portrait-like picture for ``name`` (``variant`` changes it visibly)."""
    seed = int(hashlib.sha256(('%s/%d' % (name, variant)).encode()).hexdigest()[:12], 16)
    sky, skin, shirt, hair = _palette(seed)
    image = Image.new('RGB', (width, height), sky)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # vertical gradient background
        shade = tuple(max(0, min(255, c + (y * 60) // height - 30)) for c in sky)
        draw.line([(0, y), (width, y)], fill=shade)
    rng = random.Random(seed)
    for dummy in range(40):  # soft background shapes give the comparison some texture to hold on to
        x, y, r = rng.randint(0, width), rng.randint(0, height // 2), rng.randint(10, 60)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=tuple(min(255, c + 25) for c in sky), width=3)
    cx, cy = width // 2, int(height * 0.38)
    draw.ellipse([cx - 330, int(height * 0.72), cx + 330, height + 300], fill=shirt)  # shoulders
    draw.ellipse([cx - 150, cy - 190, cx + 150, cy + 190], fill=skin)  # head
    draw.pieslice([cx - 165, cy - 215, cx + 165, cy + 60], 180, 360, fill=hair)  # hair
    for dx in (-60, 60):  # eyes
        draw.ellipse([cx + dx - 18, cy - 20, cx + dx + 18, cy + 8], fill='white')
        draw.ellipse([cx + dx - 8, cy - 14, cx + dx + 8, cy + 2], fill='black')
    draw.arc([cx - 60, cy + 40, cx + 60, cy + 110], 20, 160, fill='#7a2e2e', width=8)  # smile
    initials = ''.join(part[0].upper() for part in name.split('@')[0].replace('.', ' ').split()[:2]) or '?'
    draw.text((cx - 20, int(height * 0.85)), initials, fill='white')
    return image.filter(ImageFilter.SMOOTH)


def write_samples(directory, users, fmt='JPEG', variant=0, name_by=lambda user: user):
    """Write one portrait per user to ``directory``; returns {user: path}."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    ext = {'JPEG': '.jpg', 'PNG': '.png'}[fmt]
    for user in users:
        path = os.path.join(directory, name_by(user) + ext)
        portrait(user, variant=variant).save(path, format=fmt, quality=92)
        paths[user] = path
    return paths
