"""Build the collection tarball and install it the way a user does.

``ansible-galaxy collection build`` then ``ansible-galaxy collection install -p DIR``: what runs
afterwards uses only what the tarball ships (galaxy.yml ``build_ignore``), not the source tree.
Used by ``make demo`` and by the integration test of the installed copy.
"""

import os
import subprocess
import sys
import tarfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

# Paths in the tarball that only serve development; none of them may be shipped.
DEVELOPMENT_PATHS = (
    'Makefile',
    'requirements-dev.txt',
    'requirements-ldap.txt',
    'requirements-2.21.txt',
    'pytest.ini',
    'pyproject.toml',
    '.ansible-lint',
    '.gitignore',
    '.ci/',
    'tools/',
    'tests/',
    'build/',
    'docs/build/',
    'docs/fake-tenant.md',
    '.venv',
    '.demo/',
    '.bench/',
    '.ruff_cache/',
    '.pytest_cache/',
    '.mypy_cache/',
)
DEVELOPMENT_SUFFIXES = ('.jsonl', '.pyc', '.tar.gz')


def _galaxy(bin_dir):
    return os.path.join(bin_dir or os.path.dirname(sys.executable), 'ansible-galaxy')


def build(output_dir, bin_dir=None):
    """Build the tarball into output_dir; return its path."""
    os.makedirs(output_dir, exist_ok=True)
    subprocess.run(
        [_galaxy(bin_dir), 'collection', 'build', '--force', '--output-path', output_dir, REPO],
        check=True,
        capture_output=True,
        text=True,
    )
    tarballs = [name for name in os.listdir(output_dir) if name.startswith('m365-photos-') and name.endswith('.tar.gz')]
    if len(tarballs) != 1:
        raise RuntimeError('expected one m365-photos tarball in %s, found %s' % (output_dir, tarballs))
    return os.path.join(output_dir, tarballs[0])


def development_files(tarball):
    """Members of the tarball that only serve development (should be none)."""
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    return sorted(
        name
        for name in names
        if any(name == path.rstrip('/') or name.startswith(path) for path in DEVELOPMENT_PATHS)
        or name.endswith(DEVELOPMENT_SUFFIXES)
        or '__pycache__' in name.split('/')
    )


def install(tarball, collections_dir, bin_dir=None):
    """Install the tarball into collections_dir (a new, clean directory); return the path to put
    in ANSIBLE_COLLECTIONS_PATH."""
    subprocess.run(
        [_galaxy(bin_dir), 'collection', 'install', '--force', '-p', collections_dir, tarball],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir),
    )
    return collections_dir


def build_and_install(work_dir, bin_dir=None):
    """Build into work_dir/dist and install into work_dir/collections; return the collections path."""
    tarball = build(os.path.join(work_dir, 'dist'), bin_dir)
    return install(tarball, os.path.join(work_dir, 'collections'), bin_dir)


if __name__ == '__main__':
    TARBALL = build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, 'build', 'dist'))
    LEFT = development_files(TARBALL)
    print(TARBALL)
    if LEFT:
        raise SystemExit('development files in the tarball: %s' % ', '.join(LEFT))
