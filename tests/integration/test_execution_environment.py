"""meta/execution-environment.yml: ansible-builder finds the collection's Python requirements.

``ansible-builder create`` turns the documented definition (docs/examples/execution-environment.yml)
into a build context; the test then replays, without a container runtime, the two build stages
that matter: the galaxy stage installs the collection from the context's requirements.yml, and
the builder stage runs the context's own introspect.py over the installed collections. What it
writes is what pip installs into the image."""

import os
import shutil
import subprocess
import sys

import yaml
from collection_build import REPO, build

BIN = os.path.dirname(sys.executable)


def test_build_context_installs_msal_requests_and_pillow(tmp_path):
    tarball = build(str(tmp_path / 'dist'))
    definition = tmp_path / 'definition'
    definition.mkdir()
    shutil.copy(os.path.join(REPO, 'docs', 'examples', 'execution-environment.yml'), definition)
    # The example names the release tarball; only its version may differ from galaxy.yml's.
    example = (definition / 'execution-environment.yml').read_text()
    name = os.path.basename(tarball)
    example = example.replace('m365-photos-1.0.0.tar.gz', name)
    (definition / 'execution-environment.yml').write_text(example)
    shutil.copy(tarball, definition)

    context = tmp_path / 'context'
    subprocess.run(
        [os.path.join(BIN, 'ansible-builder'), 'create', '-c', str(context)], cwd=str(definition), check=True, capture_output=True
    )
    build_dir = context / '_build'
    assert (build_dir / 'collections' / name).is_file()
    assert any((context / image).is_file() for image in ('Containerfile', 'Dockerfile'))

    # Galaxy stage: WORKDIR /build (the context's _build), ansible-galaxy collection install -r requirements.yml.
    installed = tmp_path / 'usr-share-ansible-collections'
    subprocess.run(
        [os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml', '-p', str(installed)],
        cwd=str(build_dir),
        check=True,
        capture_output=True,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed)),
    )
    # Builder stage: the context's introspect.py writes the Python requirements of every collection.
    pip = tmp_path / 'requirements.txt'
    subprocess.run(
        [sys.executable, str(build_dir / 'scripts' / 'introspect.py'), 'introspect', str(installed), '--write-pip', str(pip)],
        check=True,
        capture_output=True,
    )
    lines = [line.split('#')[0].strip() for line in pip.read_text().splitlines() if 'from collection m365.photos' in line]
    names = sorted(line.split('>')[0].split('=')[0].split('<')[0].strip().lower() for line in lines)
    assert names == ['msal', 'pillow', 'requests'], pip.read_text()

    # ansible-builder falls back to a bare requirements.txt without the metadata: check it is shipped
    # and says what it should (Python requirements, no system packages).
    meta = installed / 'ansible_collections' / 'm365' / 'photos' / 'meta' / 'execution-environment.yml'
    spec = yaml.safe_load(meta.read_text())
    assert spec['version'] == 1
    assert spec['dependencies'] == {'python': 'requirements.txt'}
