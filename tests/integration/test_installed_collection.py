"""The collection as a user gets it: build the tarball, install it into a clean directory with
ansible-galaxy, and run the m365.photos.sync playbook from the installed copy against the fake
tenant, with the documented command line (``-i localhost,``) and no warning-silencing settings.

ANSIBLE_VENV names another virtual environment whose ansible-core runs the test (make test runs
it again with ansible-core 2.21 on Python 3.13); by default the one running pytest."""

import json
import os
import subprocess
import sys

import pytest
from collection_build import build, development_files, install
from sample_photos import write_samples

PUT = 'PUT /v1.0/users/{id}/photo/$value'
BIN = os.path.join(os.environ['ANSIBLE_VENV'], 'bin') if os.environ.get('ANSIBLE_VENV') else os.path.dirname(sys.executable)


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp('installed')
    tarball = build(str(work / 'dist'), BIN)
    collections = install(tarball, str(work / 'collections'), BIN)
    return tarball, collections


def test_tarball_ships_no_development_files(installed):
    tarball, collections = installed
    assert development_files(tarball) == []
    root = os.path.join(collections, 'ansible_collections', 'm365', 'photos')
    for shipped in ('plugins/modules/user_photos.py', 'roles/photo_sync/tasks/main.yml', 'playbooks/sync.yml', 'meta/runtime.yml'):
        assert os.path.isfile(os.path.join(root, shipped)), shipped
    for absent in ('Makefile', 'tests', 'tools', 'requirements-dev.txt'):
        assert not os.path.exists(os.path.join(root, absent)), absent


def run_sync(tenant, repo, collections, *args):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith('ANSIBLE_') and key not in ('PYTHONPATH', 'AZURE_CLIENT_SECRET', 'M365_ACCESS_TOKEN')
    }
    # Only the installed copy: no PYTHONPATH, no build/collections of the source tree.
    env.update(HOME=str(repo / 'home'), ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1')
    env.update(tenant.env())
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', 'm365.photos.sync', '-e', '@photos.yml']
    return subprocess.run(command + list(args), env=env, cwd=str(repo), capture_output=True, text=True, check=False, timeout=600)


def recap(output):
    line = [text for text in output.splitlines() if text.startswith('localhost')][-1]
    return dict((k, int(v)) for k, v in (part.split('=') for part in line.split(':', 1)[1].split()))


def test_sync_playbook_from_the_installed_copy(installed, tenant, tmp_path):
    _tarball, collections = installed
    repo = tmp_path / 'repo'
    (repo / 'home').mkdir(parents=True)
    users = ['%s@contoso.example' % name for name in ('alice', 'bob', 'carol')]
    write_samples(str(repo / 'photos'), users)
    (repo / 'photos.yml').write_text(
        json.dumps({'photo_sync_src_dir': 'photos', 'photo_sync_report_dir': 'reports', 'photo_sync_state_file': 'state.json'})
    )

    plan = run_sync(tenant, repo, collections, '--check', '--diff')
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert tenant.writes() == 0

    apply = run_sync(tenant, repo, collections)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert recap(apply.stdout)['changed'] >= 1
    assert tenant.count(PUT) == len(users)
    for output in (plan, apply):
        assert '[WARNING]' not in output.stdout + output.stderr, output.stdout + output.stderr
    assert all(tenant.photo_info(upn)['has_photo'] for upn in users)

    tenant.reset_stats()
    again = run_sync(tenant, repo, collections)
    assert again.returncode == 0, again.stdout + again.stderr
    assert recap(again.stdout)['changed'] == 0
    assert tenant.count(PUT) == 0
    assert json.loads((repo / 'reports' / 'report.json').read_text())
