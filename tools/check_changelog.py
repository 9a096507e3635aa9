"""Dry run of the release changelog: ``antsibull-changelog release`` in a scratch copy.

Copies what git would ship (tracked and untracked, not ignored) to a scratch
ansible_collections/m365/photos, runs the release for the version in galaxy.yml there, and checks
the CHANGELOG.md it writes: a release summary, the generated New Modules and New Roles sections
naming every module and role, no warning from antsibull-changelog, and no fragment line that only
repeats what those sections generate ("<name> - new module ..."). The working tree is not touched.

The scratch copy lives outside the repository (a temporary directory): inside it, tools that ask
git which files belong to the collection would find none. The CHANGELOG.md is kept as OUTPUT.

usage: check_changelog.py OUTPUT
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
BIN = os.path.dirname(sys.executable)


def shipped_files():
    listed = subprocess.run(
        ['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=REPO, check=True, capture_output=True
    ).stdout.decode()
    return [name for name in listed.split('\0') if name and os.path.isfile(os.path.join(REPO, name))]


def version():
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        return re.search(r'^version:\s*(\S+)', handle.read(), re.M).group(1)


def main():
    scratch = tempfile.mkdtemp(prefix='m365-photos-changelog-')
    try:
        check(scratch, os.path.abspath(sys.argv[1]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check(scratch, output):
    copy = os.path.join(scratch, 'ansible_collections', 'm365', 'photos')
    for name in shipped_files():
        os.makedirs(os.path.dirname(os.path.join(copy, name)), exist_ok=True)
        shutil.copy2(os.path.join(REPO, name), os.path.join(copy, name))
    release = version()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=scratch, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    completed = subprocess.run(
        [os.path.join(BIN, 'antsibull-changelog'), 'release', '--version', release],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    problems = []
    if completed.returncode != 0:
        problems.append('antsibull-changelog release failed:\n' + completed.stdout + completed.stderr)
    elif 'WARNING' in completed.stdout + completed.stderr:
        problems.append('antsibull-changelog release warned:\n' + completed.stdout + completed.stderr)
    path = os.path.join(copy, 'CHANGELOG.md')
    text = ''
    if os.path.isfile(path):
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    plain = text.replace('\\', '')
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(REPO, 'plugins', 'modules')) if name.endswith('.py'))
    roles = sorted(os.listdir(os.path.join(REPO, 'roles')))
    expected = ['## v%s' % release, 'Release Summary', 'New Modules', 'New Roles']
    expected += ['m365.photos.%s - ' % name for name in modules + roles]
    problems += ['CHANGELOG.md lacks %r' % item for item in expected if item not in plain]
    problems += [
        'a fragment repeats the generated sections: %s' % line.strip()
        for line in plain.splitlines()
        if re.match(r'\* (%s) - new (module|role)' % '|'.join(map(re.escape, modules + roles)), line.strip())
    ]
    if text:
        os.makedirs(os.path.dirname(output), exist_ok=True)
        shutil.copyfile(path, output)
    if problems:
        raise SystemExit('\n'.join(problems))
    print('changelog dry run: CHANGELOG.md for %s (%d lines), kept as %s' % (release, len(text.splitlines()), output))


if __name__ == '__main__':
    main()
