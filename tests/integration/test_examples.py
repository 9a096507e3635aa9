"""Every EXAMPLES task of every module runs as written against the fake tenant.

The examples are read from the modules themselves and run in one playbook, in their order. Only
credentials and paths are substituted: the sign-in options a task sets (the fake tenant's id, the
app registration that has the credential the example uses, the fake's certificate or a federated
token it signed), absolute paths (to a scratch directory) and, where an example's file naming
needs its own directory, ``src_dir``. The tenant holds the users the examples name; the files they
point to exist; the variables they leave to the reader (``m365_tenant_id``, ``staff``, an
``ldap_search`` result, ...) are given as extra vars."""

import base64
import io
import os
import re

import pytest
import yaml
from conftest import CERT_APP_ID, DEMO_APP
from PIL import Image
from sample_photos import write_samples

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MODULES = ['user_photo', 'user_photo_info', 'user_photos', 'preflight']
PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'ceo', 'leaver']
FEDERATED_APP_ID = '44444444-4444-4444-8444-444444444444'


def examples(module):
    with open(os.path.join(REPO, 'plugins', 'modules', module + '.py'), encoding='utf-8') as handle:
        source = handle.read()
    text = re.search(r"^EXAMPLES = r'''(.*?)'''", source, re.S | re.M).group(1)
    tasks = yaml.safe_load(text)
    assert isinstance(tasks, list) and tasks, module
    for task in tasks:
        assert 'hosts' not in task, '%s EXAMPLES: %r is a play, not a task' % (module, task.get('name'))
    return tasks


def jpeg_base64(user):
    buffer = io.BytesIO()
    from sample_photos import portrait  # pylint: disable=import-outside-toplevel

    portrait(user, width=96, height=96).save(buffer, format='JPEG', quality=85)
    return base64.b64encode(buffer.getvalue()).decode('ascii')


class Substitute:
    """Credentials and paths of one example task, pointed at the fake tenant and the scratch directory."""

    def __init__(self, tenant, scratch, token_file):
        self.tenant = tenant
        self.scratch = scratch
        self.token_file = token_file

    def path(self, value):
        if isinstance(value, str) and value.startswith('/'):
            return os.path.join(self.scratch, value.lstrip('/'))
        return value

    def options(self, options):
        options = dict(options)
        if 'tenant_id' in options:
            options['tenant_id'] = self.tenant.tenant_id
        if 'client_certificate_path' in options:
            options['client_id'] = CERT_APP_ID
            options['client_certificate_path'] = os.path.join(self.tenant.state_dir, 'client-cert.pem')
        elif 'federated_token_file' in options:
            options['client_id'] = FEDERATED_APP_ID
            options['federated_token_file'] = self.token_file
        elif 'client_secret' in options and not str(options['client_secret']).startswith('{{'):
            options['client_id'], options['client_secret'] = DEMO_APP['client_id'], DEMO_APP['client_secret']
        for key in ('dest', 'backup_dir', 'state_file', 'cache_dir', 'report_dir', 'src'):
            if key in options:
                options[key] = self.path(options[key])
        return options

    def task(self, task):
        task = dict(task)
        for key, value in list(task.items()):
            if key.startswith('m365.photos.'):
                task[key] = self.options(value or {})
        if 'block' in task:
            task['block'] = [self.task(inner) for inner in task['block']]
        return task


@pytest.fixture
def examples_tenant(tenant_factory):
    users = [{'userPrincipalName': '%s@contoso.com' % name, 'mailNickname': name} for name in PEOPLE]
    return tenant_factory(
        seed={
            'tenant_domain': 'contoso.com',
            'users': users,
            'groups': [{'displayName': 'Photo Managed Staff', 'members': ['%s@contoso.com' % name for name in PEOPLE[:6]]}],
        }
    )


def test_every_module_example_runs_against_the_fake_tenant(examples_tenant, playbook, tmp_path):
    tenant = examples_tenant
    from fake_tenant import mint_federated_token  # pylint: disable=import-outside-toplevel

    token_file = tmp_path / 'federated.jwt'
    token_file.write_text(mint_federated_token(tenant.state_dir, FEDERATED_APP_ID))
    play_dir = playbook.play_dir
    play_dir.mkdir(parents=True, exist_ok=True)
    # The files the examples name, relative to the playbook.
    upns = ['%s@contoso.com' % name for name in PEOPLE]
    write_samples(str(play_dir / 'photos-by-upn'), upns[:5])  # <upn>.jpg for src_dir
    write_samples(str(play_dir / 'photos-by-alias'), upns[:5], name_by=lambda user: user.split('@')[0])
    (play_dir / 'photos').mkdir()
    (play_dir / 'portraits').mkdir()
    for name, target in (('alice', 'photos/alice.jpg'), ('bob', 'bob.png'), ('carol', 'carol.jpg'), ('dave', 'dave.jpg')):
        Image.open(play_dir / 'photos-by-alias' / ('%s.jpg' % name)).rotate(180).save(play_dir / target)
    Image.open(play_dir / 'photos-by-upn' / 'alice@contoso.com.jpg').rotate(90).save(play_dir / 'portraits' / 'ceo-2026.png')

    substitute = Substitute(tenant, str(tmp_path / 'root'), str(token_file))
    tasks = []
    for module in MODULES:
        for task in examples(module):
            task = substitute.task(task)
            # photos/ holds the single-user examples' files; the src_dir examples get a directory of
            # files named as each expects (alice@contoso.com.jpg, or alice.jpg with match=mail_nickname).
            options = task.get('m365.photos.user_photos') or {}
            if options.get('src_dir'):
                options['src_dir'] = 'photos-by-alias' if options.get('match') == 'mail_nickname' else 'photos-by-upn'
            tasks.append(task)
    extra_vars = {
        'm365_tenant_id': tenant.tenant_id,
        'm365_client_id': DEMO_APP['client_id'],
        'm365_client_secret': DEMO_APP['client_secret'],
        'm365_reader_client_id': CERT_APP_ID,
        'staff': upns[:4],
        # What community.general.ldap_search returns with base64_attributes: [thumbnailPhoto] (docs/hybrid.md).
        'ad_user': {'results': [{'userPrincipalName': 'alice@contoso.com', 'thumbnailPhoto': jpeg_base64('alice-ad')}]},
        'ad_users': {
            'results': [
                {'userPrincipalName': 'frank@contoso.com', 'thumbnailPhoto': jpeg_base64('frank-ad'), 'cn': 'Frank Fischer'},
            ]
        },
    }
    env = {'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'true'}
    run = playbook(yaml.safe_dump(tasks, sort_keys=False), tenant, extra_vars=extra_vars, extra_env=env)
    # Every task ran (a block's name is not printed, its tasks' are).
    names = [inner['name'] for task in tasks for inner in task.get('block', [task])]
    assert run.rc == 0, run.stdout[-6000:] + run.stderr[-3000:]
    recap = run.recap()
    assert recap['failed'] == 0 and recap['ok'] >= len(names) - 1, recap
    for name in names:
        assert 'TASK [%s]' % name in run.stdout, name
    # What the examples did, read back from the tenant.
    assert tenant.photo_info('alice@contoso.com')['has_photo']
    assert tenant.photo_info('frank@contoso.com')['has_photo']  # from his Active Directory thumbnail
    assert os.path.isdir(os.path.join(str(play_dir), 'photo-backup'))
