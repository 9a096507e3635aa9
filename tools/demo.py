"""make demo: the main job against the embedded fake Microsoft 365 tenant.

Builds the collection tarball and installs it into .demo/collections with ansible-galaxy, as a
user would. Starts the fake tenant (state kept in .demo/, so a later demo sees earlier photos), draws
sample portraits for the demo users, runs the installed m365.photos.sync playbook twice (the first run
uploads, the second must report changed=0 although the tenant re-encodes every photo), then
shows m365.photos.user_photo_info for one user and where the reports are.
"""

import json
import os
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path[:0] = [os.path.join(REPO, 'tests'), os.path.join(REPO, 'tools')]

from collection_build import build_and_install  # noqa: E402 pylint: disable=wrong-import-position
from fake_tenant import FakeTenantProcess, collection_env  # noqa: E402 pylint: disable=wrong-import-position
from sample_photos import write_samples  # noqa: E402 pylint: disable=wrong-import-position

DEMO = os.path.join(REPO, '.demo')
USERS = ['%s@contoso.example' % name for name in ('alice', 'bob', 'carol', 'dave', 'erin', 'frank')]


def banner(text):
    print('\n' + '=' * 78 + '\n' + text + '\n' + '=' * 78, flush=True)


def ansible(tenant, collections, *args):
    env = dict(os.environ)
    env.update(collection_env(tenant.info))
    env.update(
        {
            # The copy installed from the tarball, not the source tree.
            'ANSIBLE_COLLECTIONS_PATH': collections,
        }
    )
    command = [os.path.join(os.path.dirname(sys.executable), args[0])] + list(args[1:])
    completed = subprocess.run(command, env=env, cwd=DEMO, check=False, capture_output=True, text=True)
    print(completed.stdout + completed.stderr, flush=True)
    if completed.returncode != 0:
        raise SystemExit('demo step failed: %s' % ' '.join(args))
    return completed.stdout


def report(run):
    return os.path.join(DEMO, 'reports', run)


def show_summary(run):
    with open(os.path.join(report(run), 'summary.md'), encoding='utf-8') as handle:
        print(handle.read(), flush=True)


def changed_count(output):
    for line in output.splitlines():
        if line.startswith('localhost') and 'changed=' in line:
            return int(line.split('changed=')[1].split()[0])
    return None


def main():
    os.makedirs(DEMO, exist_ok=True)
    photos_dir = os.path.join(DEMO, 'photos')
    if not os.path.isdir(photos_dir):
        write_samples(photos_dir, USERS)
    inventory = os.path.join(DEMO, 'photos.yml')
    with open(inventory, 'w', encoding='utf-8') as handle:
        json.dump({'photo_sync_src_dir': photos_dir, 'photo_sync_state_file': os.path.join(DEMO, 'photo-state.json')}, handle, indent=2)

    banner('Building the collection tarball and installing it into .demo/collections (ansible-galaxy)')
    shutil.rmtree(os.path.join(DEMO, 'dist'), ignore_errors=True)
    shutil.rmtree(os.path.join(DEMO, 'collections'), ignore_errors=True)
    collections = build_and_install(DEMO)
    print('installed: %s' % os.path.join(collections, 'ansible_collections', 'm365', 'photos'), flush=True)

    banner('Starting the fake Microsoft 365 tenant (HTTPS Graph + Entra token endpoint)')
    tenant = FakeTenantProcess(os.path.join(DEMO, 'tenant'))
    tenant.start()
    try:
        print('Graph: %s  sign-in: %s  CA: %s' % (tenant.graph_url, tenant.authority_host, tenant.ca_file))
        banner('Run 1: ansible-playbook -i localhost, m365.photos.sync -e @photos.yml')
        first = ansible(
            tenant,
            collections,
            'ansible-playbook',
            '-i',
            'localhost,',
            'm365.photos.sync',
            '-e',
            '@' + inventory,
            '-e',
            'photo_sync_report_dir=' + report('run1'),
        )
        show_summary('run1')
        banner('Run 2: the same again; the tenant re-encoded every photo, yet nothing needs changing')
        second = ansible(
            tenant,
            collections,
            'ansible-playbook',
            '-i',
            'localhost,',
            'm365.photos.sync',
            '-e',
            '@' + inventory,
            '-e',
            'photo_sync_report_dir=' + report('run2'),
        )
        show_summary('run2')
        banner("m365.photos.user_photo_info for alice@contoso.example")
        ansible(
            tenant,
            collections,
            'ansible',
            'localhost',
            '-c',
            'local',
            '-i',
            'localhost,',
            '-m',
            'm365.photos.user_photo_info',
            '-a',
            'users=alice@contoso.example',
            '-e',
            'ansible_python_interpreter=' + sys.executable,
        )
        banner('Summary')
        print(
            'run 1 changed=%s, run 2 changed=%s (idempotent against a re-encoding service: %s)'
            % (changed_count(first), changed_count(second), 'yes' if changed_count(second) == 0 else 'NO')
        )
        print('reports: %s and %s (summary.md, report.json, chunks/*/contact-sheet*.png)' % (report('run1'), report('run2')))
        print('tenant state: %s (delete .demo/ to start over)' % os.path.join(DEMO, 'tenant'))
        if changed_count(second) != 0:
            raise SystemExit(1)
        # Last, so it is what the terminal shows: the page to open (before/after thumbnails of run 1).
        print('open in a browser: %s' % os.path.join(report('run1'), 'report.html'))
    finally:
        tenant.stop()


if __name__ == '__main__':
    main()
