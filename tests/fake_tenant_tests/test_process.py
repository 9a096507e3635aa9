import json
import os
import subprocess
import sys

import requests
from conftest import make_image
from fake_tenant import FEDERATED_APP_ID, FakeTenantProcess

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
