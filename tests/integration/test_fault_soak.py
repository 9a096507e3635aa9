"""Issue 8: a first sync that survives everything the service does at once, and a first sync killed
half-way that converges on the rerun. Real ansible-playbook runs against the fake tenant over TLS.

The figures of the last run are printed (pytest -s, or -rA) and recorded in docs/reliability.md."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import ansible_env
from sample_photos import portrait

PUT = 'PUT /v1.0/users/{id}/photo/$value'
SOAK_USERS = 1000
INTERRUPT_USERS = 300
INTERRUPT_SEED = 8


def generated(count, prefix):
    return {'generated_users': {'count': count, 'prefix': prefix, 'domain': 'contoso.example', 'group': prefix + ' group'}}


def write_photos(directory, users):
    os.makedirs(directory, exist_ok=True)
    for user in users:
        portrait(user, width=560, height=700).save(os.path.join(directory, user + '.jpg'), format='JPEG', quality=90)


def user_names(count, prefix):
    return ['%s%05d@contoso.example' % (prefix, n) for n in range(1, count + 1)]


def sync_task(**options):
    lines = ['- name: Sync', '  m365.photos.user_photos:']
    lines += ['    %s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    lines += ['  register: sync', '  ignore_errors: true']
    return '\n'.join(lines) + '\n'


def put_answers(tenant):
    return dict(tenant.stats()['by_route'].get(PUT, {}))


def test_fault_soak_1000_users(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(
        seed=generated(SOAK_USERS, 'soak'),
        latency_ms=2,
        retry_after=0.05,
        fault_503_rate=0.10,
        fault_429_rate=0.05,
        fault_429_burst=3,
        fault_drop_rate=0.01,
        token_expire_every=200,
        fault_seed=8,
    )
    users = user_names(SOAK_USERS, 'soak')
    write_photos(str(tmp_path / 'photos'), users)
    started = time.monotonic()
    run = playbook(
        sync_task(src_dir=str(tmp_path / 'photos'), state_file=str(tmp_path / 'state.json'), max_retries=10, timeout=20),
        tenant,
        save=['sync'],
    )
    elapsed = time.monotonic() - started
    result = run.result('sync')
    stats = tenant.stats()
    failed = [r for r in result['results'] if r['action'] == 'failed']
    assert not failed, [(r['user'], r['msg']) for r in failed[:5]]
    assert result['summary']['uploaded'] == SOAK_USERS, [(r['user'], r['msg']) for r in result['results'] if r['action'] != 'uploaded']
    faults = stats['faults_injected']
    assert faults['503'] > 0 and faults['429'] > 0 and faults['drop'] > 0 and faults['token_expiry'] > 0, faults
    # No user uploaded more often than its failed attempts require: a faulted PUT never reaches the
    # store, so every user holds exactly one upload, and exactly one PUT per user was answered 200.
    answers = put_answers(tenant)
    assert answers.get('200') == SOAK_USERS, answers
    counts = [tenant.photo_info(u)['upload_count'] for u in users]
    assert counts == [1] * SOAK_USERS
    # Every stored photo equals its source by the collection's compare metric: a check-mode pass,
    # with no state file and no faults, compares every user and finds nothing to do.
    tenant.set_config(fault_503_rate=0, fault_429_rate=0, fault_drop_rate=0, token_expire_every=0)
    check = playbook(sync_task(src_dir=str(tmp_path / 'photos')), tenant, save=['sync'], check=True).result('sync')
    assert check['summary']['unchanged'] == SOAK_USERS, [(r['user'], r['msg']) for r in check['results'] if r['action'] != 'unchanged']
    retried = [line for line in (run.stdout + run.stderr).splitlines() if 'were retried' in line]
    print(
        '\nsoak: %d users, %.1f s, faults %s, PUT answers %s, token requests %d, total requests %d; %s'
        % (SOAK_USERS, elapsed, faults, answers, stats['token_requests'], stats['total'], retried[:1])
    )


def run_playbook_in_background(tenant, tasks, tmp_path):
    """ansible-playbook in its own process group (to be killed as a whole), like the playbook fixture."""
    play_dir = tmp_path / 'bg'
    play_dir.mkdir(exist_ok=True)
    play = play_dir / 'play.yml'
    play.write_text('- hosts: localhost\n  gather_facts: false\n  tasks:\n' + textwrap.indent(textwrap.dedent(tasks), '    '))
    home = tmp_path / 'bg-home'
    home.mkdir(exist_ok=True)
    env = ansible_env(home, tenant)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(play), '-c', 'local', '-i', 'localhost,']
    return subprocess.Popen(
        command, env=env, cwd=str(play_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def descendants(pid):
    """Every process below ``pid`` (the module that Ansible runs may sit in a session of its own)."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry, encoding='utf-8') as handle:
                    fields = handle.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process):
    """SIGKILL the playbook run and every process it started, as a power cut would."""
    for pid in [process.pid] + descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_interrupted_first_sync_converges_without_needless_uploads(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(seed=generated(INTERRUPT_USERS, 'cut'), latency_ms=5)
    users = user_names(INTERRUPT_USERS, 'cut')
    write_photos(str(tmp_path / 'photos'), users)
    task = sync_task(src_dir=str(tmp_path / 'photos'), state_file=str(tmp_path / 'state.json'), concurrency=4, max_concurrency=8)
    kill_after = random.Random(INTERRUPT_SEED).randint(20, INTERRUPT_USERS - 20)  # uploads done when the run is killed
    process = run_playbook_in_background(tenant, task, tmp_path)
    try:
        deadline = time.monotonic() + 600
        while put_answers(tenant).get('200', 0) < kill_after:
            if process.poll() is not None:
                pytest.fail('the first sync ended (rc %s) before it could be interrupted' % process.returncode)
            if time.monotonic() > deadline:
                pytest.fail('no progress to interrupt')
            time.sleep(0.05)
        kill_tree(process)
    finally:
        if process.poll() is None:
            kill_tree(process)
        process.wait()
    time.sleep(1)  # requests already on the wire are answered (and counted) by now
    before = dict((u, tenant.photo_info(u)) for u in users)
    uploaded_before = [u for u in users if before[u]['has_photo']]
    assert kill_after <= len(uploaded_before) < INTERRUPT_USERS
    rerun = playbook(task, tenant, save=['sync']).result('sync')
    assert rerun['summary']['failed'] == 0, [r for r in rerun['results'] if r['action'] == 'failed'][:5]
    after = dict((u, tenant.photo_info(u)) for u in users)
    assert all(after[u]['has_photo'] for u in users)  # nobody left without the photo they should have
    assert [after[u]['upload_count'] for u in users] == [1] * INTERRUPT_USERS  # no needless second upload
    assert rerun['summary']['uploaded'] == INTERRUPT_USERS - len(uploaded_before)
    assert rerun['summary']['unchanged'] == len(uploaded_before)
    third = playbook(task, tenant, save=['sync']).result('sync')
    assert third['summary']['unchanged'] == INTERRUPT_USERS and not third['changed']
    print(
        '\ninterrupt: %d users, killed after %d uploads (%d stored), rerun uploaded %d, unchanged %d'
        % (INTERRUPT_USERS, kill_after, len(uploaded_before), rerun['summary']['uploaded'], rerun['summary']['unchanged'])
    )
