"""crop: face (issue 14): OpenCV's bundled Haar cascade on real photographs, the framing rule, the
fallback to top, determinism and the cache key."""

import io

import pytest
from ansible_collections.m365.photos.plugins.module_utils._imaging import face
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import cache_key
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import normalise_image
from face_photos import face_photos, face_position, no_face_photo, png_bytes, well_framed
from PIL import Image

PHOTOS = face_photos()


def test_opencv_and_its_bundled_cascade_are_here():
    # requirements-dev.txt pins opencv-python-headless: these tests run, they do not skip.
    assert face.has_opencv()
    assert face.detector_id().startswith('opencv-4.')


@pytest.mark.parametrize('name', sorted(PHOTOS))
@pytest.mark.parametrize('size', [648, 256, 96])
def test_face_lands_in_the_middle_third_with_its_top_in_the_upper_half(name, size):
    result = normalise_image(png_bytes(PHOTOS[name]), size=size, crop='face')
    assert not [w for w in result.warnings if 'crop=face' in w], result.warnings
    position = face_position(result.data, face.detect_face)
    assert well_framed(position), (name, size, position)


@pytest.mark.parametrize('name', ['astronaut-face-left', 'astronaut-face-right', 'astronaut-portrait'])
def test_the_center_crop_misses_the_face_that_face_frames(name):
    # The measurement can fail: a center crop of these framings cuts the face off.
    source = png_bytes(PHOTOS[name])
    assert not well_framed(face_position(normalise_image(source, size=256, crop='center').data, face.detect_face))
    assert well_framed(face_position(normalise_image(source, size=256, crop='face').data, face.detect_face))


def test_same_source_same_bytes():
    source = png_bytes(PHOTOS['astronaut-face-right'])
    first = normalise_image(source, size=300, crop='face')
    assert all(normalise_image(source, size=300, crop='face').data == first.data for dummy in range(3))


def test_never_upscales():
    small = PHOTOS['astronaut'].resize((200, 200), Image.Resampling.LANCZOS)
    result = normalise_image(png_bytes(small), size=648, crop='face')
    assert result.width <= 200
    assert any('not upscaled' in w for w in result.warnings)


def test_no_face_falls_back_to_top_with_a_warning():
    source = png_bytes(no_face_photo())
    result = normalise_image(source, size=256, crop='face')
    assert face.NO_FACE in result.warnings
    assert result.data == normalise_image(source, size=256, crop='top').data


def test_without_opencv_falls_back_to_top_with_a_warning(monkeypatch):
    source = png_bytes(PHOTOS['astronaut-face-left'])
    monkeypatch.setattr(face, '_OPENCV', [None])
    result = normalise_image(source, size=256, crop='face')
    assert face.NO_OPENCV in result.warnings
    assert result.data == normalise_image(source, size=256, crop='top').data
    assert face.detector_id() is None


def test_face_box_geometry():
    # A 90 px face in a 1000x600 landscape: the square is 3 face widths (or the output size when
    # larger), the face centred, the eyes 40 % from the top, inside the image.
    left, top, right, bottom = face.face_box(1000, 600, (700, 100, 90, 90), 256)
    side = right - left
    assert side == bottom - top == 270
    assert abs((left + side / 2.0) - 745) <= 1
    assert abs((100 + 0.4 * 90) - (top + 0.4 * side)) <= 1
    # The output size wins over 3 face widths, the image size over both.
    assert face.face_box(1000, 600, (700, 100, 90, 90), 648)[2:] == (1000, 600)
    box = face.face_box(1000, 600, (700, 100, 90, 90), 400)
    assert box[2] - box[0] == 400 and box[2] <= 1000 and box[3] <= 600
    # A face at the corner: the square moves as little as needed to stay inside.
    assert face.face_box(500, 500, (0, 0, 60, 60), 96)[:2] == (0, 0)


def test_cache_key_names_the_crop_mode_and_the_detector(monkeypatch):
    settings = {'size': 648, 'crop': 'face', 'background': '#ffffff', 'quality': 90, 'max_bytes': 4194304}
    key = cache_key('0' * 64, settings)
    assert key != cache_key('0' * 64, dict(settings, crop='top'))
    monkeypatch.setattr(face, '_OPENCV', [None])
    assert cache_key('0' * 64, settings) != key


def test_detection_on_a_large_photo_uses_the_reduced_copy():
    big = PHOTOS['astronaut'].resize((1600, 1600), Image.Resampling.LANCZOS)
    found = face.detect_face(big)
    assert found is not None
    left, top, width, dummy = found
    # The astronaut's face, scaled: about x 177-270 and y 67-160 of 512.
    assert 450 < left + width / 2.0 < 850 and 150 < top < 300
    buffer = io.BytesIO()
    big.save(buffer, format='JPEG', quality=90)
    assert well_framed(face_position(normalise_image(buffer.getvalue(), crop='face').data, face.detect_face))
