"""Issue 8, "safe on a production tenant": the mistakes an admin makes by accident and the inputs an
attacker makes on purpose, one test each. Every test asserts the message the user sees and what
reached the fake tenant (its stats: PUT attempts, DELETEs), through real ansible-playbook runs over
TLS."""

import io
import json
import os
import stat
import unicodedata

import images
from fake_tenant.service.seed import user_id
from PIL import Image
from sample_photos import write_samples

PUT = 'PUT /v1.0/users/{id}/photo/$value'
DELETE = 'DELETE /v1.0/users/{id}/photo/$value'
GET_META = 'GET /v1.0/users/{id}/photo'
STAFF = ['%s@contoso.example' % u for u in ('alice', 'bob', 'carol', 'dave', 'erin', 'frank')]
SECRET = 'AWS_SECRET=hunter2-do-not-print'


def task(module, register='out', **options):
    lines = ['- name: Run %s' % module, '  m365.photos.%s:' % module]
    for key, value in options.items():
        lines.append('    %s: %s' % (key, json.dumps(value)))
    lines += ['  register: %s' % register, '  ignore_errors: true']
    return '\n'.join(lines) + '\n'


def photo(name, variant=0):
    return images.jpeg(name, variant=variant)


def give_photos(tenant, users):
    for user in users:
        tenant.set_photo_out_of_band(user, photo(user))


def everything_said(run, result):
    return run.stdout + run.stderr + json.dumps(result)


# ----- purge brakes ---------------------------------------------------------------------------


def test_purge_with_empty_src_dir_is_refused(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF)
    empty = tmp_path / 'photos'
    empty.mkdir()
    tenant.reset_stats()
    run = playbook(
        task('user_photos', src_dir=str(empty), purge=True, purge_group='Photo Managed Staff', max_removals=100), tenant, save=['out']
    )
    result = run.result('out')
    assert result['failed'] and 'purge refused: nothing is declared' in result['msg'], result['msg']
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 0
    assert all(tenant.photo_info(u)['has_photo'] for u in STAFF)


def test_purge_beyond_max_removals_is_refused_before_any_removal(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF)
    write_samples(str(tmp_path / 'p'), STAFF[:1])
    tenant.reset_stats()
    run = playbook(
        task('user_photos', src_dir=str(tmp_path / 'p'), purge=True, purge_group='Photo Managed Staff', max_removals=3),
        tenant,
        save=['out'],
    )
    result = run.result('out')
    assert result['failed'] and 'would remove 5 photos' in result['msg'] and 'max_removals=3' in result['msg'], result['msg']
    assert result['removals'] == 5
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 0


def test_default_max_removals_is_ten(tenant_factory, playbook, tmp_path):
    members = ['m%02d@contoso.example' % n for n in range(12)]
    tenant = tenant_factory(
        seed={
            'users': [{'userPrincipalName': u, 'displayName': u} for u in members],
            'groups': [{'displayName': 'Twelve', 'members': members}],
        }
    )
    give_photos(tenant, members)
    tenant.reset_stats()
    run = playbook(
        task('user_photos', photos=[{'user': 'alice@contoso.example', 'state': 'absent'}], purge=True, purge_group='Twelve'),
        tenant,
        save=['out'],
    )
    result = run.result('out')
    assert result['failed'] and 'would remove 12 photos' in result['msg'] and 'max_removals=10' in result['msg'], result['msg']
    assert tenant.count(DELETE) == 0


def test_purge_check_mode_shows_count_and_says_it_would_be_refused(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF)
    write_samples(str(tmp_path / 'p'), STAFF[:1])
    tenant.reset_stats()
    run = playbook(
        task('user_photos', src_dir=str(tmp_path / 'p'), purge=True, purge_group='Photo Managed Staff', max_removals=3),
        tenant,
        save=['out'],
        check=True,
    )
    result = run.result('out')
    assert not result.get('failed'), result
    assert result['summary']['removed'] == 5 and result['removals'] == 5
    assert 'the real run would be refused' in result['msg'] and 'max_removals=3' in result['msg']
    assert 'the real run would be refused' in run.stdout + run.stderr  # the warning
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 0


def test_state_absent_entries_count_as_removals(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF[:3])
    tenant.reset_stats()
    absent = [{'user': u, 'state': 'absent'} for u in STAFF[:3]]
    run = playbook(task('user_photos', photos=absent, max_removals=2), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and 'would remove 3 photos (0 purged, 3 state=absent)' in result['msg'], result['msg']
    assert tenant.count(DELETE) == 0


def test_users_without_a_photo_do_not_count_as_removals(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF[:1])
    tenant.reset_stats()
    absent = [{'user': u, 'state': 'absent'} for u in STAFF[:3]]
    run = playbook(task('user_photos', photos=absent, max_removals=1, backup=False), tenant, save=['out'])
    result = run.result('out')
    assert not result.get('failed'), result['msg']
    assert result['summary']['removed'] == 1 and result['removals'] == 1
    assert tenant.count(DELETE) == 1


def test_role_limit_applies_to_the_whole_run_not_per_chunk(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF)
    write_samples(str(tmp_path / 'p'), STAFF[:1])
    tenant.reset_stats()
    tasks = '''
- name: Sync with the role
  ansible.builtin.include_role:
    name: m365.photos.photo_sync
'''
    extra = {
        'photo_sync_src_dir': str(tmp_path / 'p'),
        'photo_sync_photos': [{'user': STAFF[1], 'state': 'absent'}],
        'photo_sync_chunk_size': 1,
        'photo_sync_purge': True,
        'photo_sync_purge_group': 'Photo Managed Staff',
        'photo_sync_max_removals': 3,
        'photo_sync_preflight': False,
    }
    run = playbook(tasks, tenant, extra_vars=extra)
    assert run.rc != 0
    # 1 declared removal + 4 purged = 5 > 3: each chunk alone (1) and the purge alone (4 > 3 - 1) tell.
    said = run.stdout + run.stderr
    assert 'max_removals=2' in said and 'would remove 4 photos' in said, said[-3000:]
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 0


# ----- source-file hygiene --------------------------------------------------------------------


def test_symlink_out_of_src_dir_is_not_followed_and_never_quoted(tenant, playbook, tmp_path):
    secret = tmp_path / 'secret.env'
    secret.write_text(SECRET + '\n')
    src = tmp_path / 'photos'
    src.mkdir()
    os.symlink(str(secret), str(src / 'alice@contoso.example.jpg'))
    write_samples(str(src), STAFF[1:2])
    run = playbook(task('user_photos', src_dir=str(src), report_dir=str(tmp_path / 'report')), tenant, save=['out'])
    result = run.result('out')
    assert result['ignored_files'] == [{'file': 'alice@contoso.example.jpg', 'reason': 'symlink pointing outside src_dir (not followed)'}]
    assert [r['user'] for r in result['results']] == [STAFF[1]]
    said = everything_said(run, result)
    for name in ('report.json', 'summary.md', 'report.html'):
        said += (tmp_path / 'report' / name).read_text()
    assert 'hunter2' not in said
    assert tenant.count(PUT) == 1 and not tenant.photo_info(STAFF[0])['has_photo']


def test_every_skipped_entry_of_src_dir_has_its_reason(tenant, playbook, tmp_path):
    src = tmp_path / 'photos'
    src.mkdir()
    (src / 'notes.txt').write_text('hello')
    (src / 'sub.jpg').mkdir()
    os.mkfifo(str(src / 'pipe.jpg'))
    os.symlink(str(src / 'missing.jpg'), str(src / 'broken.jpg'))
    os.symlink(str(src / 'loop2.jpg'), str(src / 'loop1.jpg'))
    os.symlink(str(src / 'loop1.jpg'), str(src / 'loop2.jpg'))
    inside = tmp_path / 'photos' / 'real.jpg'
    inside.write_bytes(photo('bob'))
    os.symlink(str(inside), str(src / 'bob@contoso.example.jpg'))
    os.unlink(str(inside))
    write_samples(str(src), STAFF[2:3])
    run = playbook(task('user_photos', src_dir=str(src)), tenant, save=['out'])
    result = run.result('out')
    reasons = dict((item['file'], item['reason']) for item in result['ignored_files'])
    assert reasons['notes.txt'].startswith('not an image file name (extension .txt')
    assert reasons['sub.jpg'] == 'directory'
    assert reasons['pipe.jpg'] == 'FIFO (named pipe), not a regular file'
    assert reasons['broken.jpg'] == 'broken symlink' and reasons['bob@contoso.example.jpg'] == 'broken symlink'
    assert reasons['loop1.jpg'] == 'symlink loop' and reasons['loop2.jpg'] == 'symlink loop'
    assert [r['user'] for r in result['results']] == [STAFF[2]] and not result.get('failed')
    assert tenant.count(PUT) == 1


def test_fifo_as_src_is_refused_without_opening_it(tenant, playbook, tmp_path):
    fifo = tmp_path / 'alice.jpg'
    os.mkfifo(str(fifo))
    run = playbook(task('user_photo', user=STAFF[0], src=str(fifo)), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and 'is a FIFO (named pipe), not an image file; refused without opening it' in result['msg']
    assert tenant.count(PUT) == 0


def test_fifo_in_bulk_photos_fails_that_user_only(tenant, playbook, tmp_path):
    fifo = tmp_path / 'alice.jpg'
    os.mkfifo(str(fifo))
    (tmp_path / 'bob.jpg').write_bytes(photo('bob'))
    photos = [{'user': STAFF[0], 'src': str(fifo)}, {'user': STAFF[1], 'src': str(tmp_path / 'bob.jpg')}]
    run = playbook(task('user_photos', photos=photos), tenant, save=['out'])
    result = run.result('out')
    by_user = dict((r['user'], r) for r in result['results'])
    assert by_user[STAFF[0]]['action'] == 'failed' and 'FIFO' in by_user[STAFF[0]]['msg']
    assert by_user[STAFF[1]]['action'] == 'uploaded'
    assert tenant.count(PUT) == 1


def test_text_source_is_described_never_quoted(tenant, playbook, tmp_path):
    (tmp_path / 'alice.jpg').write_text(SECRET + '\n')
    run = playbook(task('user_photo', user=STAFF[0], src=str(tmp_path / 'alice.jpg')), tenant, save=['out'], diff=True)
    result = run.result('out')
    assert result['failed'] and 'text, not an image' in result['msg'], result['msg']
    assert 'hunter2' not in everything_said(run, result)
    assert tenant.count(PUT) == 0


def test_html_and_pdf_sources_are_named_by_their_signature(tenant, playbook, tmp_path):
    (tmp_path / 'a.jpg').write_bytes(b'<!DOCTYPE html><html><body>' + SECRET.encode() + b'</body></html>')
    (tmp_path / 'b.jpg').write_bytes(b'%PDF-1.7\n' + SECRET.encode())
    photos = [{'user': STAFF[0], 'src': str(tmp_path / 'a.jpg')}, {'user': STAFF[1], 'src': str(tmp_path / 'b.jpg')}]
    run = playbook(task('user_photos', photos=photos, report_dir=str(tmp_path / 'r')), tenant, save=['out'])
    result = run.result('out')
    msgs = dict((r['user'], r['msg']) for r in result['results'])
    assert 'HTML' in msgs[STAFF[0]] and 'PDF' in msgs[STAFF[1]], msgs
    said = everything_said(run, result) + (tmp_path / 'r' / 'summary.md').read_text() + (tmp_path / 'r' / 'report.json').read_text()
    assert 'hunter2' not in said
    assert tenant.count(PUT) == 0


# ----- identity -------------------------------------------------------------------------------


def test_nfd_file_name_matches_its_user_and_is_not_purged(tenant_factory, playbook, tmp_path):
    upn = unicodedata.normalize('NFC', 'jürgen@contoso.example')
    tenant = tenant_factory(
        seed={
            'users': [{'userPrincipalName': upn, 'displayName': 'Jürgen'}],
            'groups': [{'displayName': 'Umlauts', 'members': [upn, STAFF[0]]}],
        }
    )
    give_photos(tenant, [upn])
    src = tmp_path / 'photos'
    src.mkdir()
    (src / (unicodedata.normalize('NFD', 'JÜRGEN@contoso.example') + '.jpg')).write_bytes(photo('j', variant=1))
    (src / (STAFF[0] + '.jpg')).write_bytes(photo('alice'))
    tenant.reset_stats()
    run = playbook(task('user_photos', src_dir=str(src), purge=True, purge_group='Umlauts'), tenant, save=['out'])
    result = run.result('out')
    assert not result.get('failed'), result['msg']
    assert result['summary'] == {'uploaded': 2, 'removed': 0, 'unchanged': 0, 'failed': 0, 'skipped': 0, 'total': 2}
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 2


def test_same_user_by_object_id_and_upn_is_a_duplicate(tenant, playbook, tmp_path):
    (tmp_path / 'a.jpg').write_bytes(photo('alice'))
    (tmp_path / 'b.jpg').write_bytes(photo('alice', variant=1))
    alice_id = user_id(tenant.tenant_id, STAFF[0])
    photos = [{'user': STAFF[0], 'src': str(tmp_path / 'a.jpg')}, {'user': alice_id, 'src': str(tmp_path / 'b.jpg')}]
    run = playbook(task('user_photos', photos=photos), tenant, save=['out'])
    result = run.result('out')
    assert [r['action'] for r in result['results']] == ['failed', 'failed']
    assert all('declared twice' in r['msg'] and 'the same user' in r['msg'] for r in result['results'])
    assert tenant.count(PUT) == 0


# ----- state file -----------------------------------------------------------------------------


def test_state_file_of_the_wrong_shape_is_cleaned_not_fatal(tenant, playbook, tmp_path):
    state = tmp_path / 'state.json'
    state.write_text(json.dumps({'version': 1, 'users': {STAFF[0]: 'oops', STAFF[1]: {'source': 1}, STAFF[2]: [1, 2]}}))
    write_samples(str(tmp_path / 'p'), STAFF[:2])
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), state_file=str(state)), tenant, save=['out'])
    result = run.result('out')
    assert not result.get('failed'), result
    assert '3 record(s) not of the expected shape were dropped' in run.stdout + run.stderr
    written = json.loads(state.read_text())
    assert sorted(written['users']) == STAFF[:2]
    assert all(set(r) == {'source', 'etag'} for r in written['users'].values())
    rerun = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), state_file=str(state)), tenant, save=['out'])
    assert 'dropped' not in rerun.stdout + rerun.stderr and rerun.result('out')['summary']['unchanged'] == 2


def test_state_file_that_is_not_a_state_file_is_ignored_with_a_warning(tenant, playbook, tmp_path):
    state = tmp_path / 'state.json'
    state.write_text('[1, 2, 3]')
    write_samples(str(tmp_path / 'p'), STAFF[:1])
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), state_file=str(state)), tenant, save=['out'])
    assert not run.result('out').get('failed')
    assert 'is not a state file of this collection' in run.stdout + run.stderr
    assert list(json.loads(state.read_text())['users']) == STAFF[:1]


def test_unwritable_state_file_fails_before_anything_is_written(tenant, playbook, tmp_path):
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('')
    write_samples(str(tmp_path / 'p'), STAFF[:2])
    state = str(blocker / 'state.json')
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), state_file=state), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and state in result['msg'] and 'nothing was written to Microsoft 365' in result['msg'], result['msg']
    assert tenant.writes() == 0


def test_state_file_write_failure_after_uploads_returns_the_results(tenant, playbook, tmp_path):
    state = tmp_path / 'state.json'
    (tmp_path / 'state.json.lock').mkdir()  # the save (not the start-up check) fails: the lock cannot be opened
    write_samples(str(tmp_path / 'p'), STAFF[:2])
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), state_file=str(state)), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and result['changed'] is True
    assert 'cannot write state_file %s' % state in result['msg'] and 'after 2 upload(s)' in result['msg'], result['msg']
    assert [r['action'] for r in result['results']] == ['uploaded', 'uploaded']
    assert tenant.count(PUT) == 2


def test_two_runs_sharing_a_state_file_lose_no_records(tenant, playbook, tmp_path):
    state = tmp_path / 'state.json'
    write_samples(str(tmp_path / 'a'), STAFF[:3])
    write_samples(str(tmp_path / 'b'), STAFF[3:])
    tasks = ''
    for name in ('a', 'b'):
        tasks += f'''
- name: Sync {name}
  m365.photos.user_photos:
    src_dir: {tmp_path / name}
    state_file: {state}
  async: 300
  poll: 0
  register: job_{name}
'''
    tasks += '''
- name: Wait for both
  ansible.builtin.async_status:
    jid: "{{ item.ansible_job_id }}"
  loop: ["{{ job_a }}", "{{ job_b }}"]
  register: done
  until: done.finished
  retries: 300
  delay: 1
'''
    run = playbook(tasks, tenant, extra_env={'ANSIBLE_ASYNC_DIR': str(tmp_path / 'async')})
    assert run.rc == 0, run.stdout[-3000:]
    assert sorted(json.loads(state.read_text())['users']) == sorted(STAFF)
    assert tenant.count(PUT) == 6


# ----- images ---------------------------------------------------------------------------------


def test_source_below_48_pixels_is_refused(tenant, playbook, tmp_path):
    buffer = io.BytesIO()
    Image.new('RGB', (40, 40), (200, 30, 30)).save(buffer, format='PNG')
    (tmp_path / 'tiny.png').write_bytes(buffer.getvalue())
    run = playbook(task('user_photos', photos=[{'user': STAFF[0], 'src': str(tmp_path / 'tiny.png')}]), tenant, save=['out'])
    result = run.result('out')
    message = result['results'][0]['msg']
    assert STAFF[0] in result['msg'] and 'image is 40x40 pixels, smaller than 48x48' in message, message
    assert tenant.count(PUT) == 0


def test_a_real_1x1_photo_is_a_photo_not_the_placeholder(tenant, playbook, tmp_path):
    buffer = io.BytesIO()
    Image.new('RGB', (1, 1), (10, 10, 10)).save(buffer, format='JPEG')
    tenant.set_photo_out_of_band(STAFF[0], buffer.getvalue())
    tenant.reset_stats()
    run = playbook(task('user_photo', user=STAFF[0], state='absent', backup=False), tenant, save=['out'])
    result = run.result('out')
    assert result['action'] == 'removed' and result['changed'], result
    assert tenant.count(DELETE) == 1


def test_legacy_placeholder_reads_as_no_photo(tenant, playbook, tmp_path):
    tenant.add_users({'users': [{'userPrincipalName': 'legacy@contoso.example', 'displayName': 'L', 'scenario': 'legacy_placeholder'}]})
    (tmp_path / 'l.jpg').write_bytes(photo('legacy'))
    first = playbook(task('user_photo', user='legacy@contoso.example', state='absent'), tenant, save=['out']).result('out')
    assert first['action'] == 'unchanged' and first['previous'] is None and first['backup_file'] is None
    second = playbook(task('user_photo', user='legacy@contoso.example', src=str(tmp_path / 'l.jpg')), tenant, save=['out']).result('out')
    assert second['action'] == 'uploaded' and second['msg'] == 'uploaded: the user had no photo', second
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 1


# ----- hostile answers ------------------------------------------------------------------------


def hostile(tenant, scenario, upn):
    tenant.add_users({'users': [{'userPrincipalName': upn, 'displayName': scenario, 'scenario': scenario}]})


def test_html_200_answer_is_that_users_failure(tenant, playbook, tmp_path):
    hostile(tenant, 'html_200', 'proxy@contoso.example')
    write_samples(str(tmp_path / 'p'), ['proxy@contoso.example', STAFF[0]])
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p')), tenant, save=['out'])
    result = run.result('out')
    by_user = dict((r['user'], r) for r in result['results'])
    msg = by_user['proxy@contoso.example']['msg']
    assert msg.startswith('unexpected answer from Microsoft Graph: HTTP 200, content type text/html, request-id '), msg
    assert 'Sign in to continue' not in everything_said(run, result)
    assert by_user[STAFF[0]]['action'] == 'uploaded', by_user[STAFF[0]]
    assert tenant.count(PUT) == 1


def test_json_list_answer_fails_user_photo_cleanly(tenant, playbook, tmp_path):
    hostile(tenant, 'json_list', 'lister@contoso.example')
    (tmp_path / 'l.jpg').write_bytes(photo('l'))
    run = playbook(task('user_photo', user='lister@contoso.example', src=str(tmp_path / 'l.jpg')), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and 'unexpected answer from Microsoft Graph: HTTP 200, content type application/json' in result['msg']
    assert 'Traceback' not in run.stdout + run.stderr
    assert tenant.count(PUT) == 0


def test_html_502_is_retried_then_fails_without_quoting(tenant, playbook, tmp_path):
    hostile(tenant, 'html_502', 'gateway@contoso.example')
    (tmp_path / 'g.jpg').write_bytes(photo('g'))
    run = playbook(task('user_photo', user='gateway@contoso.example', src=str(tmp_path / 'g.jpg'), max_retries=2), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'] and 'HTTP 502' in result['msg'] and 'text/html answer' in result['msg'], result['msg']
    assert 'Sign in to continue' not in everything_said(run, result)
    assert tenant.count(GET_META, 502) == 3  # the first attempt and 2 retries
    assert tenant.count(PUT) == 0


def test_retry_after_beyond_max_retry_wait_fails_the_user_and_the_run_goes_on(tenant, playbook, tmp_path):
    hostile(tenant, 'retry_after_long', 'slow@contoso.example')
    write_samples(str(tmp_path / 'p'), ['slow@contoso.example', STAFF[0]])
    run = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), max_retry_wait=30), tenant, save=['out'])
    result = run.result('out')
    by_user = dict((r['user'], r) for r in result['results'])
    assert 'the service asked to wait 3600 s' in by_user['slow@contoso.example']['msg']
    assert 'max_retry_wait (30 s)' in by_user['slow@contoso.example']['msg']
    assert by_user[STAFF[0]]['action'] == 'uploaded'
    throttled = sum(tenant.count(route, 429) for route in (GET_META, GET_META + '/$value'))
    assert throttled == 1  # asked once, not retried
    assert tenant.count(PUT) == 1


# ----- options and TLS ------------------------------------------------------------------------


def test_invalid_connection_and_concurrency_options_are_refused_clearly(tenant, playbook, tmp_path):
    write_samples(str(tmp_path / 'p'), STAFF[:1])
    tenant.reset_stats()
    bad = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), concurrency=0, timeout=0, max_retries=-1), tenant, save=['out'])
    msg = bad.result('out')['msg']
    assert 'timeout must be a number of seconds greater than 0, got 0' in msg and 'max_retries must be an integer from 0 to 100' in msg, msg
    bad = playbook(task('user_photos', src_dir=str(tmp_path / 'p'), concurrency=0), tenant, save=['out'])
    assert bad.result('out')['msg'] == 'Invalid options: concurrency must be at least 1, got 0.'
    assert tenant.stats()['total'] == 0  # not even a sign-in


def test_validate_certs_false_warns(tenant, playbook, tmp_path):
    run = playbook(task('user_photo_info', users=[STAFF[0]], validate_certs=False), tenant, save=['out'])
    assert not run.result('out').get('failed')
    assert 'validate_certs=false: the TLS certificate' in run.stdout + run.stderr


def test_user_photo_info_fails_the_task_when_tls_fails(tenant, playbook, tmp_path):
    other_ca = tmp_path / 'other-ca.pem'
    other_ca.write_text(_foreign_ca())
    run = playbook(task('user_photo_info', users=STAFF[:2], ca_path=str(other_ca)), tenant, save=['out'])
    result = run.result('out')
    assert result['failed'], result
    assert 'TLS' in result['msg'] or 'certificate' in result['msg'], result['msg']


def _foreign_ca():
    """A self-signed CA certificate that did not sign the fake tenant's server certificate."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Some other CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def test_token_cache_readable_by_others_is_tightened(tenant, playbook, tmp_path):
    cache_dir = tmp_path / 'cache'
    first = playbook(task('user_photo_info', users=[STAFF[0]], token_cache_dir=str(cache_dir)), tenant, save=['out'])
    assert not first.result('out').get('failed')
    files = list(cache_dir.iterdir())
    assert len(files) == 1
    os.chmod(str(files[0]), 0o644)
    second = playbook(task('user_photo_info', users=[STAFF[0]], token_cache_dir=str(cache_dir)), tenant, save=['out'])
    assert 'had mode 0644' in second.stdout + second.stderr and 'set to 0600' in second.stdout + second.stderr
    assert stat.S_IMODE(os.stat(str(files[0])).st_mode) == 0o600


def test_secrets_from_the_environment_are_masked(tenant, playbook, tmp_path):
    secret = tenant.env()['AZURE_CLIENT_SECRET']
    run = playbook(task('user_photo_info', users=[secret]), tenant, save=['out'])
    result = run.result('out')
    assert secret not in json.dumps(result) and secret not in run.stdout + run.stderr
    assert result['photos'][0]['user'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


# ----- backups --------------------------------------------------------------------------------


def test_user_photo_backs_up_before_state_absent_by_default(tenant, playbook, tmp_path):
    give_photos(tenant, STAFF[:1])
    before = tenant.photo_info(STAFF[0])['sha256']
    tenant.reset_stats()
    run = playbook(task('user_photo', user=STAFF[0], state='absent', backup_dir=str(tmp_path / 'b')), tenant, save=['out'])
    result = run.result('out')
    assert result['action'] == 'removed' and result['backup_file'].startswith(str(tmp_path / 'b') + '/alice@contoso.example_')
    import hashlib

    with open(result['backup_file'], 'rb') as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == before
    assert tenant.count(DELETE) == 1


def test_backups_are_never_overwritten(tenant, playbook, tmp_path):
    data = photo('alice')
    backups = tmp_path / 'b'
    paths = []
    for dummy in range(3):
        tenant.set_photo_out_of_band(STAFF[0], data)  # the very same bytes, so the same name within a second
        run = playbook(task('user_photo', user=STAFF[0], state='absent', backup_dir=str(backups)), tenant, save=['out'])
        paths.append(run.result('out')['backup_file'])
    assert len(set(paths)) == 3 and len(list(backups.iterdir())) == 3
    assert tenant.count(DELETE) == 3


def test_role_matches_an_nfd_file_name_to_its_user(tenant_factory, playbook, tmp_path):
    upn = unicodedata.normalize('NFC', 'jürgen@contoso.example')
    tenant = tenant_factory(seed={'users': [{'userPrincipalName': upn, 'displayName': 'Jürgen'}]})
    src = tmp_path / 'photos'
    src.mkdir()
    (src / (unicodedata.normalize('NFD', upn) + '.jpg')).write_bytes(photo('j'))
    tasks = '''
- name: Sync with the role
  ansible.builtin.include_role:
    name: m365.photos.photo_sync
'''
    run = playbook(tasks, tenant, extra_vars={'photo_sync_src_dir': str(src), 'photo_sync_preflight': False})
    assert run.rc == 0, (run.stdout + run.stderr)[-3000:]
    assert tenant.photo_info(upn)['has_photo'] and tenant.count(PUT) == 1
