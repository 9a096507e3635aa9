"""Integration fixtures: a fake Microsoft 365 tenant in its own process (real TLS), and real
ansible-playbook runs of the collection against it."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from fake_tenant import (
    CERT_APP_ID,
    DEMO_APP_ID,
    DEMO_APP_SECRET,
    READONLY_APP_ID,
    READONLY_APP_SECRET,
    FakeTenantProcess,
    collection_env,
)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
# In-process clients (test_graph_layer) too: the first retry without Retry-After waits 0.2 s here, not Graph's 3 s.
os.environ.setdefault('M365_RETRY_FIRST_WAIT', '0.2')
COLLECTIONS = os.path.join(REPO, 'build', 'collections')
sys.path.insert(0, os.path.join(REPO, 'tools'))

# The seeded apps, from the fake tenant's seed (the one place their ids and secrets are defined).
DEMO_APP = {'client_id': DEMO_APP_ID, 'client_secret': DEMO_APP_SECRET}
READONLY_APP = {'client_id': READONLY_APP_ID, 'client_secret': READONLY_APP_SECRET}
__all__ = ['CERT_APP_ID', 'DEMO_APP', 'READONLY_APP']


class Tenant:
    """A running fake tenant: its own admin client (stats, reset_stats, set_config, photo_info,
    set_photo_out_of_band, ...) plus counting helpers over the stats."""

    def __init__(self, process):
        self.process = process

    def __getattr__(self, name):
        return getattr(self.process, name)

    def count(self, route, status=None):
        counts = self.stats()['by_route'].get(route, {})
        return counts.get(str(status), 0) if status else sum(counts.values())

    def writes(self):
        stats = self.stats()['by_route']
        return sum(
            sum(stats.get(route, {}).values())
            for route in (
                'PUT /v1.0/users/{id}/photo/$value',
                'PATCH /v1.0/users/{id}/photo/$value',
                'DELETE /v1.0/users/{id}/photo/$value',
            )
        )

    def env(self, app=None):
        app = app or DEMO_APP
        return collection_env(self.process.info, app['client_id'], app['client_secret'])


def ansible_env(home, tenant=None, app=None):
    """The environment of an ansible-playbook run in these tests: its own HOME, only the collection
    from build/, this Python as the interpreter, no colour, signed in to ``tenant`` when given."""
    env = dict(os.environ)
    env.update(
        {
            'HOME': str(home),
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        }
    )
    if tenant:
        env.update(tenant.env(app))
    return env


def bulk_task(**options):
    """A user_photos task with ``options``, registered as ``sync``, its failure left to the test."""
    lines = ['- name: Sync photos', '  m365.photos.user_photos:']
    lines += ['    %s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    return '\n'.join(lines + ['  register: sync', '  ignore_errors: true']) + '\n'


@pytest.fixture
def tenant_factory(tmp_path):
    started = []

    def start(**options):
        process = FakeTenantProcess(str(tmp_path / ('tenant%d' % len(started))), **options)
        process.start()
        started.append(process)
        return Tenant(process)

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory()


class PlaybookRun:
    def __init__(self, completed, results_dir):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results_dir = results_dir

    def result(self, name):
        with open(os.path.join(self.results_dir, name + '.json'), encoding='utf-8') as handle:
            return json.load(handle)

    def recap(self):
        """{'ok': n, 'changed': n, 'failed': n, ...} of localhost from PLAY RECAP."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith('localhost'):
                return dict((k, int(v)) for k, v in (part.split('=') for part in line.split(':', 1)[1].split()))
        raise AssertionError('no PLAY RECAP in output:\n' + self.stdout + self.stderr)


@pytest.fixture
def playbook(tmp_path):
    """Run a playbook (YAML tasks text) on localhost with the collection; each task may
    ``register`` a variable listed in ``save`` to get it back as JSON."""
    home = tmp_path / 'home'
    home.mkdir()

    def run(tasks, tenant=None, save=(), check=False, diff=False, extra_env=None, extra_vars=None, app=None, files=None):
        results_dir = tmp_path / 'results'
        results_dir.mkdir(exist_ok=True)
        save_tasks = ''.join(
            textwrap.dedent('''
            - name: Save {0}
              ansible.builtin.copy:
                content: "{{{{ {0} | to_json }}}}"
                dest: "{1}/{0}.json"
                mode: "0600"
              check_mode: false
              diff: false
              changed_when: false
              when: {0} is defined
            ''').format(name, results_dir)
            for name in save
        )
        play = '- hosts: localhost\n  gather_facts: false\n  tasks:\n' + textwrap.indent(textwrap.dedent(tasks) + save_tasks, '    ')
        play_dir = tmp_path / 'play'
        play_dir.mkdir(exist_ok=True)
        for name, data in (files or {}).items():
            target = play_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        path = play_dir / 'play.yml'
        path.write_text(play)
        env = ansible_env(home, tenant, app)
        env.update(extra_env or {})
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path), '-c', 'local', '-i', 'localhost,']
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        for key, value in (extra_vars or {}).items():
            command += ['-e', json.dumps({key: value})]
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False, cwd=str(play_dir))
        return PlaybookRun(completed, str(results_dir))

    run.play_dir = tmp_path / 'play'
    return run


def run_collection_playbook(tenant, repo, playbook, *args):
    """ansible-playbook <playbook> -e @photos.yml in ``repo``, as a GitOps repository runs it: its own HOME, the
    collection from build/, this Python as the interpreter, signed in to ``tenant``."""
    env = ansible_env(repo / 'home', tenant)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook, '-e', '@photos.yml', *args]
    return subprocess.run(command, env=env, cwd=str(repo), capture_output=True, text=True, check=False, timeout=600)
