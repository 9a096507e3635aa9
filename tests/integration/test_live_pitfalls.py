"""Issue 9: the live service's pitfalls, each against the fake tenant in its live-like setting, through real
ansible-playbook runs (or the Graph layer in process where a run cannot show it)."""

import json
import os

import images
import msal
import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._graph.photos import read_metadata
from ansible_collections.m365.photos.plugins.module_utils._sync.state_file import PENDING_WINDOW
from conftest import CERT_APP_ID
from test_graph_layer import connect

PUT = 'PUT /v1.0/users/{id}/photo/$value'
DELETE = 'DELETE /v1.0/users/{id}/photo/$value'
GET_USER = 'GET /v1.0/users/{id}'
LIMITED_APP = {'client_id': 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'client_secret': 'limited-secret'}
LIVE_LIKE = {'unknown_user_photo': 'ImageNotFound'}


def task(module, register='out', **options):
    lines = ['- name: Run %s' % module, '  m365.photos.%s:' % module]
    lines += ['    %s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    return '\n'.join(lines + ['  register: %s' % register, '  ignore_errors: true']) + '\n'


# 1. ImageNotFound for an unknown user -------------------------------------------------------------------------
def test_unknown_user_is_a_failure_in_every_module(tenant_factory, playbook):
    tenant = tenant_factory(**LIVE_LIKE)
    typo = 'alcie@contoso.example'
    files = {'files/a.jpg': images.jpeg('alice')}
    absent = playbook(task('user_photo', user=typo, state='absent'), tenant, save=['out']).result('out')
    assert absent['failed'] and 'user %s does not exist in the tenant' % typo in absent['msg'], absent
    present = playbook(task('user_photo', user=typo, src='a.jpg'), tenant, save=['out'], files=files).result('out')
    assert present['failed'] and 'does not exist in the tenant' in present['msg'], present
    assert tenant.count(PUT) == 0
    tenant.reset_stats()
    photos = [{'user': typo, 'state': 'absent'}, {'user': 'bob@contoso.example', 'state': 'absent'}]
    bulk = playbook(task('user_photos', photos=photos), tenant, save=['out']).result('out')
    results = {r['user']: r for r in bulk['results']}
    assert results[typo]['action'] == 'failed' and 'does not exist in the tenant' in results[typo]['msg']
    assert results['bob@contoso.example']['action'] == 'unchanged'  # a real user without a photo is confirmed
    # One directory lookup per user whose "no photo" was not from a listing.
    assert tenant.count(GET_USER) == 2
    info = playbook(task('user_photo_info', users=[typo, 'bob@contoso.example']), tenant, save=['out']).result('out')
    unknown, bob = info['photos']
    assert unknown['has_photo'] is None and 'does not exist in the tenant' in unknown['error']
    assert bob['has_photo'] is False


def test_no_photo_check_is_cached_per_run(tenant_factory):
    tenant = tenant_factory(**LIVE_LIKE)
    graph = connect(tenant).client()
    for dummy in range(3):
        assert read_metadata(graph, 'carol@contoso.example') is None
    assert tenant.count(GET_USER) == 1


# 2. limited-information members -------------------------------------------------------------------------------
LIMITED_SEED = {
    'apps': [
        {
            'client_id': LIMITED_APP['client_id'],
            'display_name': 'photos without user read',
            'secrets': [LIMITED_APP['client_secret']],
            'roles': ['ProfilePhoto.ReadWrite.All', 'GroupMember.Read.All'],
        }
    ]
}


def test_purge_without_user_read_stops_before_any_removal(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(seed=LIMITED_SEED, limited_members='true')
    for user in ('carol', 'dave'):
        tenant.set_photo_out_of_band('%s@contoso.example' % user, images.jpeg(user))
    files = {'photos/alice@contoso.example.jpg': images.jpeg('alice')}
    run = playbook(
        task('user_photos', src_dir='photos', purge=True, purge_group='Photo Managed Staff'),
        tenant,
        save=['out'],
        files=files,
        app=LIMITED_APP,
    )
    result = run.result('out')
    assert result['failed'], result
    assert 'User.ReadBasic.All' in result['msg'] and 'User.Read.All' in result['msg'], result['msg']
    assert tenant.count(DELETE) == 0 and tenant.count(PUT) == 0
    # The preflight says so before a purge, naming the permissions.
    pre = playbook(task('preflight', require_user_read=True), tenant, save=['out'], app=LIMITED_APP).result('out')
    assert pre['failed'] and pre['can_read_users'] is False
    assert any('User.ReadBasic.All or User.Read.All' in problem for problem in pre['problems']), pre


# 3. stale reads after a write ---------------------------------------------------------------------------------
def test_upload_pending_while_reads_are_stale(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(visibility_delay=600)
    files = {'photos/alice@contoso.example.jpg': images.jpeg('alice'), 'photos/bob@contoso.example.jpg': images.jpeg('bob')}
    tenant.set_photo_out_of_band('bob@contoso.example', images.jpeg('old bob', variant=3))
    state_file = tmp_path / 'state.json'
    sync = task('user_photos', src_dir='photos', state_file=str(state_file))
    first = playbook(sync, tenant, save=['out'], files=files).result('out')
    assert first['summary']['uploaded'] == 2 and tenant.count(PUT) == 2
    records = json.loads(state_file.read_text())['users']
    assert set(records['alice@contoso.example']) == {'pending'} and records['alice@contoso.example']['pending']['etag_before'] is None
    assert records['bob@contoso.example']['pending']['etag_before']  # the old photo's ETag, still what reads show
    # The service still shows the old state: pending, not drift. Nothing is uploaded again.
    tenant.reset_stats()
    second = playbook(sync, tenant, save=['out'], files=files).result('out')
    assert second['summary']['unchanged'] == 2 and tenant.count(PUT) == 0, second['results']
    assert all('pending' in r['msg'] for r in second['results'])
    # Once the service shows the upload, the user is compared as usual and the new ETag confirmed.
    tenant.set_config(visibility_delay=0)
    third = playbook(sync, tenant, save=['out'], files=files).result('out')
    assert third['summary']['unchanged'] == 2 and tenant.count(PUT) == 0
    records = json.loads(state_file.read_text())['users']
    assert records['alice@contoso.example']['etag'] and records['bob@contoso.example']['etag']
    assert 'pending' not in records['alice@contoso.example']


def test_pending_has_a_bound(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(visibility_delay=600)
    files = {'photos/erin@contoso.example.jpg': images.jpeg('erin')}
    state_file = tmp_path / 'state.json'
    sync = task('user_photos', src_dir='photos', state_file=str(state_file))
    assert playbook(sync, tenant, save=['out'], files=files).result('out')['summary']['uploaded'] == 1
    data = json.loads(state_file.read_text())
    data['users']['erin@contoso.example']['pending']['time'] -= PENDING_WINDOW + 60
    state_file.write_text(json.dumps(data))
    tenant.reset_stats()
    # Beyond the bound the user is compared as usual: the service still shows no photo, so it is uploaded again.
    again = playbook(sync, tenant, save=['out'], files=files).result('out')
    assert again['summary']['uploaded'] == 1 and tenant.count(PUT) == 1


# 4. UnknownError wrapping -------------------------------------------------------------------------------------
def test_wrapped_errors_still_get_their_hints(tenant_factory, playbook):
    tenant = tenant_factory(wrap_errors='true')
    run = playbook(
        task('user_photo', user='onprem@contoso.example', src='a.jpg'), tenant, save=['out'], files={'files/a.jpg': images.jpeg('o')}
    )
    result = run.result('out')
    assert result['failed'] and 'MailboxNotEnabledForRESTAPI' in result['msg'] and 'KB 3062745' in result['msg'], result['msg']
    assert 'UnknownError' not in result['msg']


# 5. certificates: the SHA-256 form ----------------------------------------------------------------------------
def test_certificate_sign_in_uses_ps256_and_x5t_s256(tenant, playbook):
    env = {
        'AZURE_CLIENT_ID': CERT_APP_ID,
        'AZURE_CLIENT_SECRET': '',
        'AZURE_CLIENT_CERTIFICATE_PATH': os.path.join(tenant.state_dir, 'client-cert.pem'),
    }
    run = playbook(task('user_photo_info', users=['alice@contoso.example']), tenant, save=['out'], extra_env=env)
    assert not run.result('out').get('failed'), run.result('out')
    assert tenant.stats()['assertions'] == {'PS256 x5t#S256': 1}


# 6. China cloud: msal knows the host (no instance discovery against the global host) --------------------------
def test_msal_knows_the_china_host():
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS  # pylint: disable=import-outside-toplevel

    assert 'login.partner.microsoftonline.cn' in WELL_KNOWN_AUTHORITY_HOSTS
    major, minor = (int(part) for part in msal.__version__.split('.')[:2])
    assert (major, minor) >= (1, 35)
    with open(os.path.join(os.path.dirname(__file__), '..', '..', 'requirements.txt'), encoding='utf-8') as handle:
        assert 'msal>=1.35.0' in handle.read().split()


# 7. the first retry without Retry-After -----------------------------------------------------------------------
def test_first_retry_without_retry_after(tenant_factory, monkeypatch):
    tenant = tenant_factory(
        seed={'users': [{'userPrincipalName': 'flaky@contoso.example', 'scenario': 'service_unavailable_no_retry_after'}]}
    )
    monkeypatch.delenv('M365_RETRY_FIRST_WAIT', raising=False)
    events = []
    connection = connect(tenant, retries=events, max_retries=2)
    connection.policy.sleep = lambda seconds: None  # the waits are recorded, not slept
    with pytest.raises(GraphError):
        read_metadata(connection.client(), 'flaky@contoso.example')
    assert [reason for reason, dummy in events] == ['HTTP 503', 'HTTP 503']
    assert events[0][1] == 3.0 and 3.0 <= events[1][1] <= 6.0


# 8. UPNs starting with $ --------------------------------------------------------------------------------------
def test_dollar_upn_uses_the_key_form(tenant_factory, playbook):
    tenant = tenant_factory(seed={'users': [{'userPrincipalName': '$helpdesk@contoso.example', 'displayName': 'Help Desk'}]})
    run = playbook(
        task('user_photo', user='$helpdesk@contoso.example', src='a.jpg'), tenant, save=['out'], files={'files/a.jpg': images.jpeg('h')}
    )
    assert run.result('out')['action'] == 'uploaded', run.result('out')
    assert tenant.photo_info('$helpdesk@contoso.example')['upload_count'] == 1
    assert tenant.count(PUT, 200) == 1


# 9. a token expiring mid-run: one sign-in, not one per worker -------------------------------------------------
def test_token_expiry_mid_run_signs_in_once(tenant_factory, playbook, tmp_path):
    tenant = tenant_factory(
        seed={'generated_users': {'count': 64, 'prefix': 'user', 'domain': 'contoso.example'}}, latency_ms=20, token_expire_every=60
    )
    files = {'photos/user%05d@contoso.example.jpg' % n: images.jpeg('u%d' % n, size=(200, 200)) for n in range(1, 65)}
    tenant.reset_stats()
    run = playbook(
        task('user_photos', src_dir='photos', concurrency=16, max_concurrency=16, token_cache=False), tenant, save=['out'], files=files
    )
    result = run.result('out')
    assert result['summary']['uploaded'] == 64, result
    stats = tenant.stats()
    rejected = stats['faults_injected']['token_expiry']
    generations = stats['total'] // 60  # every 60 Graph requests the tokens issued before are expired
    assert rejected >= 2 and generations >= 2, stats
    # One sign-in at the start, then at most one per expiry generation; before the fix every worker that met the
    # expired token signed in again.
    assert stats['token_requests'] <= 1 + generations, stats
