"""m365.photos.user_photo and user_photo_info, run by ansible-playbook against the fake tenant
in realistic (re-encoding) mode."""

import hashlib
import io
import os

import images
import pytest
from PIL import Image

PUT = 'PUT /v1.0/users/{id}/photo/$value'
DELETE = 'DELETE /v1.0/users/{id}/photo/$value'

SET_ALICE = '''
- name: Set Alice's photo
  m365.photos.user_photo:
    user: alice@contoso.example
    src: alice.jpg
  register: photo
'''


def test_first_run_uploads_second_run_is_unchanged(tenant, playbook):
    files = {'files/alice.jpg': images.jpeg('alice')}
    first = playbook(SET_ALICE, tenant, save=['photo'], files=files)
    assert first.rc == 0, first.stdout
    result = first.result('photo')
    assert result['changed'] and result['action'] == 'uploaded'
    assert result['previous'] is None
    assert result['photo']['width'] == 648 and result['photo']['height'] == 648
    assert tenant.count(PUT) == 1
    stored = tenant.photo_info('alice@contoso.example')
    assert stored['sha256'] != result['photo']['sha256'], 'the fake tenant must re-encode uploads'

    tenant.reset_stats()
    second = playbook(SET_ALICE, tenant, save=['photo'])
    assert second.rc == 0, second.stdout
    result = second.result('photo')
    assert not result['changed'] and result['action'] == 'unchanged'
    assert result['previous']['etag'] and result['distance'] is not None
    assert second.recap()['changed'] == 0
    assert tenant.count(PUT) == 0
    routes = tenant.stats()['by_route']
    assert sum(routes.get('GET /v1.0/users/{id}/photo', {}).values()) <= 1
    assert sum(routes.get('GET /v1.0/users/{id}/photo/$value', {}).values()) <= 1


def test_check_mode_writes_nothing_and_diff_shows_before_after(tenant, playbook):
    files = {'files/alice.jpg': images.jpeg('alice')}
    run = playbook(SET_ALICE, tenant, save=['photo'], files=files, check=True, diff=True)
    assert run.rc == 0, run.stdout
    assert run.result('photo')['changed'] and run.result('photo')['action'] == 'uploaded'
    assert tenant.writes() == 0
    assert 'state: absent' in run.stdout and 'dimensions: 648x648' in run.stdout

    assert playbook(SET_ALICE, tenant).rc == 0
    (playbook.play_dir / 'files' / 'alice.jpg').write_bytes(images.jpeg('alice', variant=1))
    tenant.reset_stats()
    run = playbook(SET_ALICE, tenant, save=['photo'], check=True, diff=True)
    assert run.rc == 0 and run.result('photo')['changed']
    assert tenant.writes() == 0
    assert '-sha256: ' in run.stdout and '+sha256: ' in run.stdout and 'etag: ' in run.stdout


def test_changed_source_is_detected_and_uploaded_once(tenant, playbook):
    files = {'files/alice.jpg': images.jpeg('alice')}
    assert playbook(SET_ALICE, tenant, files=files).rc == 0
    (playbook.play_dir / 'files' / 'alice.jpg').write_bytes(images.jpeg('alice', variant=1))
    tenant.reset_stats()
    run = playbook(SET_ALICE, tenant, save=['photo'])
    assert run.result('photo')['action'] == 'uploaded'
    assert run.result('photo')['distance'] > 0
    assert tenant.count(PUT) == 1
    tenant.reset_stats()
    run = playbook(SET_ALICE, tenant, save=['photo'])
    assert run.result('photo')['action'] == 'unchanged' and tenant.count(PUT) == 0


def test_absent_removes_with_backup_then_is_ok(tenant, playbook, tmp_path):
    files = {'files/alice.jpg': images.jpeg('alice')}
    assert playbook(SET_ALICE, tenant, files=files).rc == 0
    stored = tenant.photo_info('alice@contoso.example')
    remove = '''
    - name: Remove Alice's photo
      m365.photos.user_photo:
        user: alice@contoso.example
        state: absent
        backup: true
        backup_dir: %s
      register: photo
    ''' % (tmp_path / 'backups')
    run = playbook(remove, tenant, save=['photo'])
    assert run.rc == 0, run.stdout
    result = run.result('photo')
    assert result['changed'] and result['action'] == 'removed'
    with open(result['backup_file'], 'rb') as handle:
        backup = handle.read()
    assert hashlib.sha256(backup).hexdigest() == stored['sha256']
    Image.open(io.BytesIO(backup)).load()
    tenant.reset_stats()
    run = playbook(remove, tenant, save=['photo'])
    assert run.rc == 0 and not run.result('photo')['changed']
    assert tenant.count(DELETE) == 0


def test_backup_before_replacing(tenant, playbook, tmp_path):
    files = {'files/alice.jpg': images.jpeg('alice')}
    assert playbook(SET_ALICE, tenant, files=files).rc == 0
    stored = tenant.photo_info('alice@contoso.example')
    (playbook.play_dir / 'files' / 'alice.jpg').write_bytes(images.jpeg('alice', variant=2))
    task = SET_ALICE.replace('src: alice.jpg', 'src: alice.jpg\n    backup: true\n    backup_dir: %s' % (tmp_path / 'bk'))
    run = playbook(task, tenant, save=['photo'])
    result = run.result('photo')
    assert result['action'] == 'uploaded'
    with open(result['backup_file'], 'rb') as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == stored['sha256']


def _set(user, name):
    return '''
    - name: Set a photo
      m365.photos.user_photo:
        user: %s
        src: %s
      register: photo
      ignore_errors: true
    ''' % (user, name)


@pytest.mark.parametrize(
    'name,data,expected',
    [
        ('zero.jpg', lambda: b'', 'empty'),
        ('truncated.jpg', lambda: images.jpeg('t')[:4000], 'truncated'),
        ('text.jpg', lambda: b'hello, this is not a photo\n' * 20, 'not an image'),
        ('logo.svg', lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', 'SVG'),
        ('bomb.png', images.png_bomb, 'decompression bomb'),
    ],
)
def test_bad_inputs_fail_clearly_without_writing(tenant, playbook, name, data, expected):
    run = playbook(_set('bob@contoso.example', name), tenant, save=['photo'], files={'files/' + name: data()})
    result = run.result('photo')
    assert result['failed']
    assert 'bob@contoso.example' in result['msg'] and name in result['msg']
    assert expected.lower() in result['msg'].lower(), result['msg']
    assert tenant.writes() == 0


def test_missing_file_names_user_and_file(tenant, playbook):
    run = playbook(_set('bob@contoso.example', 'nowhere.jpg'), tenant, save=['photo'])
    result = run.result('photo')
    assert result['failed'] and 'bob@contoso.example' in result['msg'] and 'nowhere.jpg' in result['msg']
    assert 'not found' in result['msg']
    assert tenant.writes() == 0


@pytest.mark.parametrize(
    'name,data',
    [
        ('cmyk.jpg', images.cmyk_jpeg),
        ('deep.png', images.png16),
        ('animated.gif', images.animated_gif),
        ('rotated.jpg', images.exif_rotated),
    ],
)
def test_awkward_but_valid_inputs_upload(tenant, playbook, name, data):
    run = playbook(_set('carol@contoso.example', name), tenant, save=['photo'], files={'files/' + name: data('carol')})
    result = run.result('photo')
    assert not result.get('failed'), result.get('msg')
    assert result['action'] == 'uploaded' and result['photo']['width'] == 648
    stored = tenant.photo_info('carol@contoso.example')
    assert stored['width'] == 648
    # Declared and stored photo must be judged the same on the next run.
    tenant.reset_stats()
    again = playbook(_set('carol@contoso.example', name), tenant, save=['photo'])
    assert again.result('photo')['action'] == 'unchanged' and tenant.count(PUT) == 0


def test_exif_rotated_photo_is_uploaded_upright(tenant, playbook):
    files = {'files/rot.jpg': images.exif_rotated('dave'), 'files/upright.jpg': images.jpeg('dave')}
    assert playbook(_set('dave@contoso.example', 'rot.jpg'), tenant, files=files).rc == 0
    # The upright original is the same photo as the EXIF-rotated one: no upload.
    tenant.reset_stats()
    run = playbook(_set('dave@contoso.example', 'upright.jpg'), tenant, save=['photo'])
    assert run.result('photo')['action'] == 'unchanged'


@pytest.mark.parametrize(
    'user,expected',
    [
        ('onprem@contoso.example', 'on-premises'),
        ('nobody@contoso.example', 'does not exist'),
        ('blocked@contoso.example', 'policy'),
    ],
)
def test_user_level_failures_say_what_to_do(tenant, playbook, user, expected):
    run = playbook(_set(user, 'a.jpg'), tenant, save=['photo'], files={'files/a.jpg': images.jpeg('x')})
    result = run.result('photo')
    assert result['failed'] and user in result['msg'] and expected in result['msg'], result['msg']


def test_missing_write_permission_names_it(tenant, playbook):
    from conftest import READONLY_APP

    run = playbook(_set('erin@contoso.example', 'a.jpg'), tenant, save=['photo'], files={'files/a.jpg': images.jpeg('x')}, app=READONLY_APP)
    result = run.result('photo')
    assert result['failed'] and 'ProfilePhoto.ReadWrite.All' in result['msg'], result['msg']


def test_user_photo_info_reports_and_saves(tenant, playbook, tmp_path):
    files = {'files/alice.jpg': images.jpeg('alice')}
    assert playbook(SET_ALICE, tenant, files=files).rc == 0
    tasks = '''
    - name: Read photos
      m365.photos.user_photo_info:
        users: [alice@contoso.example, bob@contoso.example, nobody@contoso.example, onprem@contoso.example]
        dest: %s
      register: info
    ''' % (tmp_path / 'saved')
    run = playbook(tasks, tenant, save=['info'], check=True)
    assert run.rc == 0, run.stdout
    photos = run.result('info')['photos']
    assert [p['user'] for p in photos] == [
        'alice@contoso.example',
        'bob@contoso.example',
        'nobody@contoso.example',
        'onprem@contoso.example',
    ]
    alice, bob, nobody, onprem = photos
    stored = tenant.photo_info('alice@contoso.example')
    assert alice['has_photo'] and alice['sha256'] == stored['sha256'] and alice['width'] == 648 and alice['etag']
    assert os.path.exists(alice['path'])
    assert bob['has_photo'] is False
    assert 'does not exist' in nobody['error'] and 'on-premises' in onprem['error']
    assert not run.result('info')['changed']
