"""Issue 12, the KB 3062745 hybrid scenario: base64 ``content`` sources, never downgrading to a
thumbnail, the ``thumbnail_photo`` filter, and docs/hybrid.md's playbooks run for real (the first
one against an OpenLDAP directory and the fake tenant)."""

import base64
import io
import json
import os
import re
import subprocess
import sys

import images
import ldap_server
import pytest
import requests
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import is_same_photo, photo_distance
from conftest import bulk_task
from PIL import Image

PUT = 'PUT /v1.0/users/{id}/photo/$value'
GET_CONTENT = 'GET /v1.0/users/{id}/photo/$value'
GET_METADATA = 'GET /v1.0/users/{id}/photo'
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
COLLECTIONS = os.path.join(REPO, 'build', 'collections')
HYBRID_DOC = os.path.join(REPO, 'docs', 'hybrid.md')


def b64(data):
    return base64.b64encode(data).decode('ascii')


def jpeg_bytes(image, quality=85):
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=quality)
    return buffer.getvalue()


def stored_photo(tenant, upn):
    """The photo the fake tenant serves for ``upn``, read through Graph like any client."""
    response = requests.get(
        '%s/v1.0/users/%s/photo/$value' % (tenant.graph_url, upn),
        headers={'Authorization': 'Bearer ' + tenant.token()},
        verify=tenant.ca_file,
        timeout=30,
    )
    response.raise_for_status()
    return response.content


def thumbnail_of(data, side=96, quality=70):
    """What an AD thumbnail made from a photo looks like: a small JPEG of the same picture. At
    quality 70 the plain comparison already calls it different (distance above 1 for the sample
    portraits): only the never-downgrade check keeps the 648 px photo."""
    image = Image.open(io.BytesIO(data)).convert('RGB')
    return jpeg_bytes(image.resize((side, side), Image.Resampling.LANCZOS), quality)


def single_task(**options):
    lines = ['- name: One photo', '  m365.photos.user_photo:']
    lines += ['    %s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    return '\n'.join(lines + ['  register: photo', '  ignore_errors: true']) + '\n'


def by_user(result):
    return dict((record['user'], record) for record in result['results'])


# --------------------------------------------------------------------------------------------
# content: base64 image bytes instead of a file
# --------------------------------------------------------------------------------------------


def test_content_and_src_give_the_same_upload_and_the_same_idempotence(tenant, playbook, tmp_path):
    photo = images.jpeg('alice')
    (tmp_path / 'alice.jpg').write_bytes(photo)
    by_src = single_task(user='alice@contoso.example', src=str(tmp_path / 'alice.jpg'))
    by_content = single_task(user='bob@contoso.example', content=b64(photo))
    first_src = playbook(by_src, tenant, save=['photo']).result('photo')
    first_content = playbook(by_content, tenant, save=['photo']).result('photo')
    assert first_src['action'] == first_content['action'] == 'uploaded', first_content
    assert first_content['photo'] == first_src['photo']  # same normalised JPEG: sha256, size, bytes
    assert tenant.photo_info('alice@contoso.example')['sha256'] == tenant.photo_info('bob@contoso.example')['sha256']
    assert tenant.count(PUT) == 2

    tenant.reset_stats()
    for task in (by_src, by_content):
        run = playbook(task, tenant, save=['photo'], diff=True)
        assert run.result('photo')['action'] == 'unchanged' and not run.result('photo')['changed']
        assert run.recap()['changed'] == 0
    assert tenant.count(PUT) == 0
    # The image bytes never reach the output, not even in diff mode or with -vvv, where the module's
    # arguments are printed (no_log: content is not secret, but large).
    verbose = playbook(by_content, tenant, diff=True, extra_env={'ANSIBLE_VERBOSITY': '3'})
    assert '"module_args"' in verbose.stdout and 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in verbose.stdout
    for output in (run.stdout + run.stderr, verbose.stdout + verbose.stderr):
        assert b64(photo)[:200] not in output


def test_bulk_content_with_state_file_second_run_is_free(tenant, playbook, tmp_path):
    alice, bob = images.jpeg('alice'), images.jpeg('bob')
    (tmp_path / 'bob.jpg').write_bytes(bob)
    photos = [
        {'user': 'alice@contoso.example', 'content': b64(alice)},
        {'user': 'bob@contoso.example', 'src': str(tmp_path / 'bob.jpg')},
    ]
    plan = bulk_task(photos=photos, report_dir=str(tmp_path / 'plan'))
    planned = playbook(plan, tenant, save=['sync'], check=True, diff=True).result('sync')
    assert planned['summary']['uploaded'] == 2 and tenant.writes() == 0, planned
    assert 'alice@contoso.example' in (tmp_path / 'plan' / 'summary.md').read_text()
    task = bulk_task(photos=photos, state_file=str(tmp_path / 'state.json'), cache_dir=str(tmp_path / 'cache'))
    first = playbook(task, tenant, save=['sync'], diff=True).result('sync')
    assert first['summary']['uploaded'] == 2 and first['summary']['failed'] == 0, first
    tenant.reset_stats()
    second = playbook(task, tenant, save=['sync']).result('sync')
    assert second['summary']['unchanged'] == 2 and not second['changed'], second
    assert tenant.count(PUT) == 0 and tenant.count(GET_CONTENT) == 0 and tenant.count(GET_METADATA) == 2
    records = by_user(second)
    assert records['alice@contoso.example']['src'] is None  # content has no file name to report
    assert b64(alice)[:200] not in json.dumps(second)
    # The fingerprint is that of the bytes: the same picture as a file instead of content is still known.
    (tmp_path / 'alice.jpg').write_bytes(alice)
    as_files = [{'user': 'alice@contoso.example', 'src': str(tmp_path / 'alice.jpg')}, photos[1]]
    tenant.reset_stats()
    swapped = playbook(bulk_task(photos=as_files, state_file=str(tmp_path / 'state.json')), tenant, save=['sync']).result('sync')
    assert swapped['summary']['unchanged'] == 2 and tenant.count(GET_CONTENT) == 0 and tenant.count(PUT) == 0, swapped
    # A new picture in content is a new fingerprint: uploaded although the state file knew the user.
    photos[0]['content'] = b64(images.jpeg('alice', variant=1))
    tenant.reset_stats()
    third = playbook(bulk_task(photos=photos, state_file=str(tmp_path / 'state.json')), tenant, save=['sync']).result('sync')
    assert by_user(third)['alice@contoso.example']['action'] == 'uploaded' and tenant.count(PUT) == 1


def test_invalid_base64_is_a_clear_error_naming_the_user(tenant, playbook):
    run = playbook(single_task(user='alice@contoso.example', content='this is not base64!'), tenant, save=['photo'])
    result = run.result('photo')
    assert result['failed'] and 'alice@contoso.example' in result['msg'] and 'base64' in result['msg'], result
    photos = [
        {'user': 'alice@contoso.example', 'content': b64(images.jpeg('alice'))},
        {'user': 'carol@contoso.example', 'content': 'not//base64=='},
        {'user': 'dave@contoso.example', 'content': b64(b'plain text, not an image')},
    ]
    result = playbook(bulk_task(photos=photos), tenant, save=['sync']).result('sync')
    records = by_user(result)
    assert result['failed'] and records['alice@contoso.example']['action'] == 'uploaded'
    carol = records['carol@contoso.example']
    assert carol['action'] == 'failed' and 'base64' in carol['msg'] and 'carol@contoso.example' in result['msg']
    dave = records['dave@contoso.example']
    assert dave['action'] == 'failed' and 'not an image' in dave['msg']
    assert tenant.count(PUT) == 1


def test_content_with_src_is_refused(tenant, playbook, tmp_path):
    (tmp_path / 'a.jpg').write_bytes(images.jpeg('alice'))
    both = {'src': str(tmp_path / 'a.jpg'), 'content': b64(images.jpeg('alice'))}
    result = playbook(single_task(user='alice@contoso.example', **both), tenant, save=['photo']).result('photo')
    assert result['failed'] and 'mutually exclusive' in result['msg'] and 'content' in result['msg'], result
    photos = [dict(both, user='alice@contoso.example'), {'user': 'bob@contoso.example', 'content': b64(images.jpeg('bob'))}]
    result = playbook(bulk_task(photos=photos), tenant, save=['sync']).result('sync')
    alice = by_user(result)['alice@contoso.example']
    assert result['failed'] and alice['action'] == 'failed' and 'mutually exclusive' in alice['msg'], result
    assert by_user(result)['bob@contoso.example']['action'] == 'uploaded'
    assert tenant.count(PUT) == 1


# --------------------------------------------------------------------------------------------
# Never downgrade: a thumbnail of the photo the user already has changes nothing
# --------------------------------------------------------------------------------------------


@pytest.fixture
def hr_photo_in_cloud(tenant, playbook, tmp_path):
    """Alice and Bob hold the 648 px photo HR uploaded; returns {user: stored bytes}."""
    stored = {}
    for name in ('alice', 'bob'):
        (tmp_path / (name + '.jpg')).write_bytes(images.jpeg(name))
        run = playbook(single_task(user=name + '@contoso.example', src=str(tmp_path / (name + '.jpg'))), tenant, save=['photo'])
        assert run.result('photo')['action'] == 'uploaded'
        stored[name + '@contoso.example'] = stored_photo(tenant, name + '@contoso.example')
        assert Image.open(io.BytesIO(stored[name + '@contoso.example'])).size == (648, 648)
    tenant.reset_stats()
    return stored


def test_thumbnail_of_the_current_photo_is_not_a_downgrade(tenant, playbook, hr_photo_in_cloud):
    thumb = thumbnail_of(hr_photo_in_cloud['alice@contoso.example'])
    run = playbook(single_task(user='alice@contoso.example', content=b64(thumb)), tenant, save=['photo'])
    result = run.result('photo')
    assert result['action'] == 'unchanged' and not result['changed'], result
    assert 'higher-resolution copy' in result['msg']
    assert 'soft in Teams and Outlook' in run.stdout + run.stderr  # 96 px source: the warning
    assert tenant.count(PUT) == 0
    # The same through the bulk module, and force still uploads.
    bulk = playbook(bulk_task(photos=[{'user': 'alice@contoso.example', 'content': b64(thumb)}]), tenant, save=['sync'])
    record = by_user(bulk.result('sync'))['alice@contoso.example']
    assert record['action'] == 'unchanged' and 'higher-resolution copy' in record['msg'], record
    assert 'soft in Teams and Outlook' in record['msg']
    assert tenant.count(PUT) == 0
    forced = playbook(single_task(user='alice@contoso.example', content=b64(thumb), force=True), tenant, save=['photo'])
    assert forced.result('photo')['action'] == 'uploaded' and tenant.count(PUT) == 1
    assert Image.open(io.BytesIO(stored_photo(tenant, 'alice@contoso.example'))).size == (96, 96)


def test_thumbnail_made_by_the_filter_from_the_hr_source_is_not_a_downgrade(tenant, playbook, hr_photo_in_cloud, tmp_path):
    tasks = '''
- name: Read the HR photo
  ansible.builtin.slurp:
    src: %s
  register: hr
- name: Its AD thumbnail, fed back as the source
  m365.photos.user_photos:
    photos:
      - user: bob@contoso.example
        content: "{{ hr.content | m365.photos.thumbnail_photo }}"
  register: sync
''' % (tmp_path / 'bob.jpg')
    result = playbook(tasks, tenant, save=['sync']).result('sync')
    record = by_user(result)['bob@contoso.example']
    assert record['action'] == 'unchanged' and 'higher-resolution copy' in record['msg'], record
    assert tenant.count(PUT) == 0


def test_thumbnail_of_a_different_photo_is_uploaded(tenant, playbook, hr_photo_in_cloud):
    other = thumbnail_of(images.jpeg('someone-else'))
    result = playbook(single_task(user='alice@contoso.example', content=b64(other)), tenant, save=['photo']).result('photo')
    assert result['action'] == 'uploaded' and result['changed'], result
    assert tenant.count(PUT) == 1
    stored = stored_photo(tenant, 'alice@contoso.example')
    assert Image.open(io.BytesIO(stored)).size == (96, 96)
    assert is_same_photo(photo_distance(other, stored))
    result = playbook(bulk_task(photos=[{'user': 'bob@contoso.example', 'content': b64(other)}]), tenant, save=['sync']).result('sync')
    assert by_user(result)['bob@contoso.example']['action'] == 'uploaded' and tenant.count(PUT) == 2


# --------------------------------------------------------------------------------------------
# The filter, run by ansible-playbook
# --------------------------------------------------------------------------------------------

FILTER_TASKS = '''
- name: Read the photo
  ansible.builtin.slurp:
    src: hr.jpg
  register: hr
- name: Thumbnail with the defaults, twice
  ansible.builtin.set_fact:
    thumb: "{{ hr.content | m365.photos.thumbnail_photo }}"
    again: "{{ hr.content | m365.photos.thumbnail_photo }}"
    larger: "{{ hr.content | m365.photos.thumbnail_photo(size=200, max_bytes=20480, crop='top') }}"
- name: Above Active Directory's limit
  ansible.builtin.set_fact:
    too_big: "{{ hr.content | m365.photos.thumbnail_photo(max_bytes=102401) }}"
  register: refused
  ignore_errors: true
- name: Not base64
  ansible.builtin.set_fact:
    garbage: "{{ 'no base64 here!' | m365.photos.thumbnail_photo }}"
  register: garbage_refused
  ignore_errors: true
'''


def test_thumbnail_photo_filter_in_a_playbook(playbook):
    run = playbook(FILTER_TASKS, files={'hr.jpg': images.jpeg('alice')}, save=['thumb', 'again', 'larger', 'refused', 'garbage_refused'])
    thumb = base64.b64decode(run.result('thumb'), validate=True)
    image = Image.open(io.BytesIO(thumb))
    assert image.format == 'JPEG' and image.size == (96, 96) and len(thumb) <= 10240
    assert run.result('again') == run.result('thumb')  # deterministic
    larger = base64.b64decode(run.result('larger'))
    assert Image.open(io.BytesIO(larger)).size == (200, 200) and len(larger) <= 20480
    refused = run.result('refused')
    assert refused['failed'] and '102400' in refused['msg']
    garbage = run.result('garbage_refused')
    assert garbage['failed'] and 'base64' in garbage['msg']
    assert run.recap()['failed'] == 0 and run.recap()['ignored'] == 2


# --------------------------------------------------------------------------------------------
# docs/hybrid.md, run for real
# --------------------------------------------------------------------------------------------


def doc_playbook(name):
    """The YAML block after the ``<!-- playbook: name`` marker in docs/hybrid.md."""
    with open(HYBRID_DOC, encoding='utf-8') as handle:
        text = handle.read()
    match = re.search(r'<!-- playbook: %s\b[^\n]*-->\n```yaml\n(.*?)\n```' % re.escape(name), text, re.S)
    assert match, 'docs/hybrid.md has no playbook %r' % name
    return match.group(1) + '\n'


def run_playbook(path, tmp_path, tenant=None, extra_vars=None, extra_env=None, options=(), inventory='localhost,'):
    collections = ldap_server.community_general_path()
    env = dict(os.environ)
    env.update(
        {
            'HOME': str(tmp_path / 'home'),
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join(p for p in (COLLECTIONS, collections) if p),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCALHOST_WARNING': '0',
        }
    )
    if tenant:
        env.update(tenant.env())
    env.update(extra_env or {})
    (tmp_path / 'home').mkdir(exist_ok=True)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path), '-i', inventory, *options]
    for key, value in (extra_vars or {}).items():
        command += ['-e', json.dumps({key: value})]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False, cwd=str(path.parent))


def test_doc_playbooks_parse_and_resolve_every_module(tmp_path):
    if ldap_server.community_general_path() is None:
        pytest.skip('community.general/microsoft.ad are not installed (the `ansible` package in requirements-dev.txt)')
    for name in ('onprem-to-cloud', 'cloud-to-onprem'):
        path = tmp_path / (name + '.yml')
        path.write_text(doc_playbook(name))
        inventory = tmp_path / 'hosts.ini'
        inventory.write_text('[ad_management]\ndc01.contoso.com\n')
        checked = run_playbook(path, tmp_path, options=['--syntax-check'], inventory=str(inventory))
        assert checked.returncode == 0, checked.stdout + checked.stderr


LDAP_REASON = ldap_server.unavailable()


@pytest.mark.skipif(LDAP_REASON is not None, reason=LDAP_REASON or '')
def test_ldap_thumbnail_photos_follow_into_the_cloud(tenant, tmp_path):
    directory = ldap_server.Slapd(tmp_path / 'slapd').start()
    try:
        _ldap_end_to_end(directory, tenant, tmp_path)
    finally:
        directory.stop()


def _ldap_end_to_end(directory, tenant, tmp_path):
    # Active Directory holds 96 px thumbnails, made as AD tools make them.
    ad_photos = {name: thumbnail_of(images.jpeg(name)) for name in ('alice', 'bob')}
    directory.add_user('alice', 'alice@contoso.example', ad_photos['alice'])
    directory.add_user('bob', 'bob@contoso.example', ad_photos['bob'])
    directory.add_user('carol', 'carol@contoso.example')  # no photo in AD: left alone
    playbook = tmp_path / 'onprem-to-cloud.yml'
    playbook.write_text(doc_playbook('onprem-to-cloud'))
    overrides = {
        'ldap_server_uri': directory.uri,
        'ldap_bind_dn': ldap_server.ADMIN_DN,
        'ldap_base_dn': ldap_server.PEOPLE_DN,
        'photo_state_file': str(tmp_path / 'state' / 'hybrid-state.json'),
    }
    env = {'LDAP_BIND_PW': ldap_server.ADMIN_PASSWORD}

    def run():
        tenant.reset_stats()
        completed = run_playbook(playbook, tmp_path, tenant, extra_vars=overrides, extra_env=env)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return completed

    def follows(upn, source):
        stored = stored_photo(tenant, upn)
        return is_same_photo(photo_distance(source, stored))

    run()
    assert tenant.count(PUT) == 2
    assert follows('alice@contoso.example', ad_photos['alice']) and follows('bob@contoso.example', ad_photos['bob'])
    assert not tenant.photo_info('carol@contoso.example')['has_photo']

    # The KB's case: the photo changes in Active Directory, and the cloud follows on the next run.
    new_alice = thumbnail_of(images.jpeg('alice', variant=1))
    directory.set_photo('alice', new_alice)
    completed = run()
    assert tenant.count(PUT) == 1, completed.stdout
    assert follows('alice@contoso.example', new_alice) and not follows('alice@contoso.example', ad_photos['alice'])
    assert re.search(r'"uploaded": 1\b', completed.stdout), completed.stdout  # the playbook's own summary

    # Nothing changed: no upload, no download, one metadata read per user.
    run()
    assert tenant.count(PUT) == 0 and tenant.count(GET_CONTENT) == 0 and tenant.count(GET_METADATA) == 2
