import json
import os
import subprocess
import sys

import requests
from conftest import make_image
from fake_tenant import CERT_APP_ID, FEDERATED_APP_ID, FakeTenantProcess

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _session():
    session = requests.Session()
    session.trust_env = False
    return session


def test_state_persists_across_restart_and_ca_is_reused(tmp_path):
    proc = FakeTenantProcess(str(tmp_path / 'state'))
    try:
        with open(proc.ca_file, 'rb') as handle:
            ca_before = handle.read()
        token = proc.token()
        session = _session()
        upload = make_image((500, 500))
        url = proc.graph_url + '/v1.0/users/alice@contoso.example/photo'
        put = session.put(
            url + '/$value', data=upload, verify=proc.ca_file, headers={'Authorization': 'Bearer ' + token, 'Content-Type': 'image/jpeg'}
        )
        assert put.status_code == 200
        before = proc.photo_info('alice@contoso.example')
        old_ports = (proc.info['graph_port'], proc.info['login_port'])
        proc.restart()
        assert (proc.info['graph_port'], proc.info['login_port']) == old_ports
        with open(proc.ca_file, 'rb') as handle:
            assert handle.read() == ca_before
        # The old token was signed by the previous process's key.
        stale = session.get(url, verify=proc.ca_file, headers={'Authorization': 'Bearer ' + token})
        assert stale.status_code == 401 and stale.json()['error']['code'] == 'InvalidAuthenticationToken'
        fresh = session.get(url, verify=proc.ca_file, headers={'Authorization': 'Bearer ' + proc.token()})
        assert fresh.status_code == 200 and fresh.json()['width'] == 500
        after = proc.photo_info('alice@contoso.example')
        assert after['sha256'] == before['sha256'] and after['etag'] == before['etag']
    finally:
        proc.stop()


def test_cli_info_line_mint_and_stop(tmp_path):
    state = str(tmp_path / 'cli')
    info_file = str(tmp_path / 'info.json')
    env = dict(os.environ, PYTHONPATH=TESTS_DIR)
    with subprocess.Popen(
        [sys.executable, '-m', 'fake_tenant', 'serve', '--state-dir', state, '--info-file', info_file],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as server:
        _drive_cli(server, env, state, info_file, tmp_path)


def _drive_cli(server, env, state, info_file, tmp_path):
    try:
        line = json.loads(server.stdout.readline().decode('utf-8'))
        with open(info_file, 'rb') as handle:
            assert json.loads(handle.read().decode('utf-8')) == line
        for key in ('graph_url', 'authority_host', 'ca_file', 'tenant_id', 'tenant_domain', 'pid', 'stats_url', 'state_dir'):
            assert key in line
        assert line['pid'] == server.pid and line['graph_url'].startswith('https://127.0.0.1:')
        _check_connection_text(server, line)
        token_file = str(tmp_path / 'fed.jwt')
        subprocess.run(
            [
                sys.executable,
                '-m',
                'fake_tenant',
                'mint-federated-token',
                '--state-dir',
                state,
                '--client-id',
                FEDERATED_APP_ID,
                '--out',
                token_file,
            ],
            env=env,
            check=True,
        )
        with open(token_file, encoding='ascii') as handle:
            assertion = handle.read().strip()
        response = _session().post(
            '%s/%s/oauth2/v2.0/token' % (line['authority_host'], line['tenant_id']),
            verify=line['ca_file'],
            data={
                'grant_type': 'client_credentials',
                'client_id': FEDERATED_APP_ID,
                'scope': 'https://graph.microsoft.com/.default',
                'client_assertion': assertion,
                'client_assertion_type': 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            },
        )
        assert response.status_code == 200, response.text
        stop = subprocess.run([sys.executable, '-m', 'fake_tenant', 'stop', '--info-file', info_file], env=env, check=False)
        assert stop.returncode == 0
        assert server.wait(10) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(5)


def _check_connection_text(server, info):
    """After the JSON line, serve prints what a user needs: the exports work as printed."""
    text = []
    for dummy in range(60):
        text.append(server.stdout.readline().decode('utf-8'))
        if text[-1].startswith('and run ansible-playbook'):
            break
    exports = dict(line.strip()[len('export ') :].split('=', 1) for line in text if line.strip().startswith('export '))
    assert exports['AZURE_CLIENT_ID'] == CERT_APP_ID  # the last block: the certificate app
    assert os.path.isfile(exports['AZURE_CLIENT_CERTIFICATE_PATH'])
    assert exports['M365_GRAPH_URL'] == info['graph_url'] and exports['M365_CA_PATH'] == info['ca_file']
    secret_block = [line.strip()[len('export ') :].split('=', 1) for line in text if line.strip().startswith('export ')]
    env = dict(secret_block[: secret_block.index(['AZURE_CLIENT_ID', CERT_APP_ID])])
    response = _session().post(
        '%s/%s/oauth2/v2.0/token' % (env['AZURE_AUTHORITY_HOST'], env['AZURE_TENANT_ID']),
        verify=env['M365_CA_PATH'],
        data={
            'grant_type': 'client_credentials',
            'client_id': env['AZURE_CLIENT_ID'],
            'client_secret': env['AZURE_CLIENT_SECRET'],
            'scope': 'https://graph.microsoft.com/.default',
        },
    )
    assert response.status_code == 200, response.text
    pfx = [app for app in info['apps'] if app['client_id'] == CERT_APP_ID][0]['pfx_files'][0]
    assert pfx in ''.join(text) and os.path.isfile(pfx)


def test_serve_without_dependencies_says_what_is_missing(tmp_path):
    """-S leaves out site-packages: a Python with the standard library only, like a bare system Python."""
    code = (
        'import runpy, sys; sys.path.insert(0, %r); sys.argv = ["fake_tenant", "serve", "--state-dir", %r]; '
        'runpy.run_module("fake_tenant", run_name="__main__", alter_sys=True)' % (TESTS_DIR, str(tmp_path / 'state'))
    )
    completed = subprocess.run([sys.executable, '-S', '-c', code], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 2
    assert 'Traceback' not in completed.stderr
    message = completed.stderr.strip()
    assert len(message.splitlines()) == 1
    assert 'cryptography, PyJWT, Pillow' in message and 'make demo' in message
    assert not os.path.exists(str(tmp_path / 'state'))
