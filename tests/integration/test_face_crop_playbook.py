"""crop: face (issue 14) through real ansible-playbook runs: user_photos against the fake tenant
(realistic mode, so the measured photo is the one the service stores), the fallback warning naming
the user, and the thumbnail_photo filter."""

import base64
import json
import pathlib

from ansible_collections.m365.photos.plugins.module_utils._imaging.face import detect_face
from face_photos import face_photos, face_position, no_face_photo, png_bytes, well_framed


def test_user_photos_frames_the_face_and_warns_for_a_photo_without_one(tenant, playbook, tmp_path):
    photos = tmp_path / 'photos'
    photos.mkdir()
    (photos / 'alice@contoso.example.png').write_bytes(png_bytes(face_photos()['astronaut-face-left']))
    (photos / 'bob@contoso.example.png').write_bytes(png_bytes(no_face_photo()))
    tasks = '''
- m365.photos.user_photos:
    src_dir: %s
    crop: face
    cache_dir: %s
  register: sync
- m365.photos.user_photo_info:
    users: [alice@contoso.example, bob@contoso.example]
    dest: %s
  register: info
''' % (json.dumps(str(photos)), json.dumps(str(tmp_path / 'cache')), json.dumps(str(tmp_path / 'stored')))
    run = playbook(tasks, tenant, save=['sync', 'info'])
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result('sync')['summary']['uploaded'] == 2
    stored = dict((p['user'], pathlib.Path(p['path']).read_bytes()) for p in run.result('info')['photos'])
    position = face_position(stored['alice@contoso.example'], detect_face)
    assert well_framed(position), position
    # The warning names the user whose photo has no face; alice's does not appear in one.
    warnings = run.result('sync')['warnings']
    assert [w for w in warnings if w.startswith('bob@contoso.example') and 'crop=face found no face' in w], warnings
    assert not [w for w in warnings if 'alice@contoso.example' in w]

    # A second run: the cache key includes the crop mode, and nothing changes.
    again = playbook(tasks, tenant, save=['sync'])
    assert again.result('sync')['summary']['unchanged'] == 2


def test_thumbnail_photo_filter_with_face(playbook, tmp_path):
    source = base64.b64encode(png_bytes(face_photos()['astronaut-face-right'])).decode('ascii')
    tasks = '''
- ansible.builtin.set_fact:
    thumb: "{{ source | m365.photos.thumbnail_photo(size=256, max_bytes=40960, crop='face') }}"
  vars:
    source: %s
''' % json.dumps(source)
    run = playbook(tasks, save=['thumb'])
    assert run.rc == 0, run.stdout + run.stderr
    assert well_framed(face_position(base64.b64decode(run.result('thumb')), detect_face))
