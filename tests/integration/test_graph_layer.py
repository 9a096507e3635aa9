"""The shared Graph layer against the fake tenant over TLS with the real msal: sign-in with a
secret, a certificate and a federated token, the token cache across processes, recovery from
a rejected cached token, retries, error mapping, and CA handling."""

import os
import subprocess
import sys
import threading

import pytest
from ansible_collections.m365.photos.plugins.module_utils._graph.client import Connection
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import AuthError, GraphError
from ansible_collections.m365.photos.plugins.module_utils._graph.photos import read_metadata, upload
from ansible_collections.m365.photos.plugins.module_utils._module import AUTH_ARGUMENT_SPEC
from conftest import CERT_APP_ID, DEMO_APP, READONLY_APP

TOKEN = 'POST /{tenant}/oauth2/v2.0/token'
INFO_TASK = '''
- name: Read a photo
  m365.photos.user_photo_info:
    users: [alice@contoso.example]
  register: info
'''


def connect(tenant, kind='client_secret', retries=None, token_cache=False, **overrides):
    params = dict((name, spec.get('default')) for name, spec in AUTH_ARGUMENT_SPEC.items())
    params.update(
        tenant_id=tenant.tenant_id,
        client_id=DEMO_APP['client_id'],
        client_secret=DEMO_APP['client_secret'],
        ca_path=tenant.ca_file,
        token_cache=token_cache,
    )
    params.update(overrides)
    events = [] if retries is None else retries
    return Connection(
        params,
        kind,
        tenant.authority_host,
        tenant.graph_url,
        'https://graph.microsoft.com',
        on_retry=lambda reason, delay: events.append((reason, delay)),
    )


def test_secret_sign_in_reads_users(tenant):
    graph = connect(tenant).client()
    user = graph.get_json('/users/alice@contoso.example')
    assert user['userPrincipalName'] == 'alice@contoso.example'
    assert 'ProfilePhoto.ReadWrite.All' in graph.roles()


@pytest.mark.parametrize('certificate', ['client-cert.pem', 'client-cert.pfx'])
def test_certificate_sign_in(tenant, certificate):
    path = os.path.join(tenant.state_dir, certificate)
    password = 'pfx-password' if certificate.endswith('.pfx') else None
    graph = connect(
        tenant,
        'client_certificate_path',
        client_id=CERT_APP_ID,
        client_secret=None,
        client_certificate_path=path,
        client_certificate_password=password,
    ).client()
    tenant.reset_stats()
    assert graph.get_json('/users/bob@contoso.example', params={'$select': 'mailNickname'})['mailNickname'] == 'bob'
    # MSAL's SHA-256 form (issue 9): a PS256 assertion with the x5t#S256 header, never the SHA-1 x5t.
    assert tenant.stats()['assertions'] == {'PS256 x5t#S256': 1}


def test_federated_token_sign_in(tenant, tmp_path):
    from fake_tenant import mint_federated_token

    token_file = tmp_path / 'federated.jwt'
    token_file.write_text(mint_federated_token(tenant.state_dir, '44444444-4444-4444-8444-444444444444'))
    graph = connect(
        tenant,
        'federated_token_file',
        client_id='44444444-4444-4444-8444-444444444444',
        client_secret=None,
        federated_token_file=str(token_file),
    ).client()
    assert graph.get_json('/users/carol@contoso.example')['displayName']


def test_federated_subject_mismatch_gets_a_federation_hint(tenant, tmp_path):
    from fake_tenant import mint_federated_token

    token_file = tmp_path / 'federated.jwt'
    app = '44444444-4444-4444-8444-444444444444'
    token_file.write_text(mint_federated_token(tenant.state_dir, app, subject='repo:contoso/photos:pull_request'))
    graph = connect(tenant, 'federated_token_file', client_id=app, client_secret=None, federated_token_file=str(token_file)).client()
    with pytest.raises(AuthError) as error:
        graph.get_json('/users/alice@contoso.example')
    text = str(error.value)
    assert 'AADSTS700213' in text and 'repo:contoso/photos:pull_request' in text
    # The hint is about the federated credential's issuer, subject and audience, not an expired secret.
    assert 'No federated credential of the app registration matches' in text and 'subject' in error.value.hint
    assert 'expired' not in error.value.hint and 'client secret' not in error.value.hint
    # One sentence that starts with what failed, not with the HTTP status.
    assert text.startswith('Sign-in for client %s failed: AADSTS700213' % app) and text.count('failed') == 1


def test_wrong_secret_is_invalid_client_with_hint(tenant):
    graph = connect(tenant, client_secret='wrong').client()
    with pytest.raises(AuthError) as error:
        graph.get_json('/users/alice@contoso.example')
    assert error.value.code == 'invalid_client'
    assert 'secret' in str(error.value) and 'AADSTS' in str(error.value)
    assert 'wrong' not in str(error.value)


def test_token_cache_is_reused_across_processes(tenant, playbook):
    first = playbook(INFO_TASK, tenant)
    assert first.rc == 0, first.stdout
    assert tenant.count(TOKEN, 200) == 1
    second = playbook(INFO_TASK, tenant)
    assert second.rc == 0, second.stdout
    assert tenant.count(TOKEN) == 1, 'the second process must reuse the cached token'
    cache_dir = os.path.join(os.path.dirname(playbook.play_dir), 'home', '.ansible', 'm365_photos', 'token_cache')
    files = os.listdir(cache_dir)
    assert files and all(os.stat(os.path.join(cache_dir, f)).st_mode & 0o077 == 0 for f in files)


def test_rejected_cached_token_signs_in_again(tenant, playbook):
    assert playbook(INFO_TASK, tenant).rc == 0
    tenant.process.restart()  # new signing key: the cached token is now invalid
    tenant.reset_stats()
    run = playbook(INFO_TASK, tenant, save=['info'])
    assert run.rc == 0, run.stdout
    assert run.result('info')['photos'][0]['has_photo'] is False
    assert tenant.count(TOKEN, 200) == 1
    assert tenant.count('GET /v1.0/users/{id}/photo', 401) == 1


def test_retries_429_with_fractional_retry_after(tenant):
    tenant.set_config(latency_ms=150, concurrency_cap=1, retry_after=0.25)
    events = []
    graph = connect(tenant, retries=events).client()
    graph.get_json('/users/alice@contoso.example')  # sign in first
    errors = []

    def read():
        try:
            graph.get_json('/users/alice@contoso.example')
        except GraphError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert tenant.stats()['by_status'].get('429', 0) >= 1
    throttled = [delay for reason, delay in events if reason == 'HTTP 429']
    assert throttled and all(delay == pytest.approx(0.25) for delay in throttled)


def test_retries_503_and_dropped_connections(tenant):
    events = []
    graph = connect(tenant, retries=events, max_retries=10).client()
    graph.credential.token()
    # One fault kind at a time, 20 requests each: the chance that a kind never occurs is 0.7**20 < 0.1 %.
    for faults, reason in (({'fault_503_rate': 0.3}, 'HTTP 503'), ({'fault_drop_rate': 0.3}, 'connection error')):
        tenant.set_config(**dict({'fault_503_rate': 0.0, 'fault_drop_rate': 0.0}, **faults))
        del events[:]
        for dummy in range(20):
            assert graph.get_json('/users/bob@contoso.example', params={'$select': 'mailNickname'})['mailNickname'] == 'bob'
        assert reason in set(r for r, d in events), events
    injected = tenant.stats()['faults_injected']
    assert injected['503'] >= 1 and injected['drop'] >= 1


def test_error_mapping(tenant):
    graph = connect(tenant).client()
    with pytest.raises(GraphError) as missing:
        read_metadata(graph, 'nobody@contoso.example')
    assert missing.value.status == 404 and 'does not exist' in str(missing.value)
    assert missing.value.request_id
    with pytest.raises(GraphError) as onprem:
        read_metadata(graph, 'onprem@contoso.example')
    assert 'on-premises' in str(onprem.value) and 'KB 3062745' in str(onprem.value)
    with pytest.raises(GraphError) as blocked:
        upload(graph, 'blocked@contoso.example', b'not reached')
    assert blocked.value.status == 403 and 'policy' in str(blocked.value)
    reader = connect(tenant, client_id=READONLY_APP['client_id'], client_secret=READONLY_APP['client_secret']).client()
    with pytest.raises(GraphError) as denied:
        upload(reader, 'alice@contoso.example', b'not reached')
    assert denied.value.status == 403 and 'ProfilePhoto.ReadWrite.All' in str(denied.value)


def test_ca_path_wins_over_requests_ca_bundle(tenant, monkeypatch):
    # An unrelated bundle in the environment must not replace the tenant's CA.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    graph = connect(tenant).client()
    assert graph.get_json('/users/alice@contoso.example')['id']
    graph = connect(tenant, ca_path=None).client()
    with pytest.raises(AuthError):
        graph.get_json('/users/alice@contoso.example')


def test_missing_library_gives_standard_message(tmp_path):
    # A Python where msal cannot be imported: the module must fail with missing_required_lib.
    blocker = tmp_path / 'msal.py'
    blocker.write_text('raise ImportError("msal blocked for this test")\n')
    code = (
        'import json, sys\n'
        'from ansible.module_utils.testing import patch_module_args\n'
        'from ansible_collections.m365.photos.plugins.modules import user_photo_info\n'
        'with patch_module_args({"users": ["a"], "access_token": "x"}):\n'
        '    user_photo_info.main()\n'
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]))
    completed = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, check=False)
    assert 'Failed to import the required Python library (msal)' in completed.stdout, completed.stdout + completed.stderr


def test_cached_token_does_not_hide_a_wrong_secret(tenant, playbook):
    assert playbook(INFO_TASK, tenant).rc == 0
    run = playbook(INFO_TASK, tenant, extra_env={'AZURE_CLIENT_SECRET': 'rotated-away'})
    assert run.rc != 0 and 'invalid_client' in run.stdout
    assert 'rotated-away' not in run.stdout


def test_untrusted_certificate_fails_fast_with_advice(tenant):
    events = []
    graph = connect(tenant, retries=events).client()
    graph.credential.token()  # signed in with the right CA
    graph.http.verify = '/etc/ssl/certs/ca-certificates.crt'  # now Graph's certificate is not trusted
    with pytest.raises(GraphError) as error:
        graph.get_json('/users/alice@contoso.example')
    assert 'TLS verification failed' in str(error.value) and 'ca_path' in str(error.value)
    assert not events, 'a certificate error must not be retried'
