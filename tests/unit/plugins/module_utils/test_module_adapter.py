# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphModule, the Ansible adapter: option checks, the connection from options and environment, messages."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args
from ansible_collections.m365.photos.plugins.module_utils import _deps
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule, connection_option_problems


@pytest.fixture
def warnings(monkeypatch):
    """The warnings modules give, recorded (AnsibleModule.warn)."""
    recorded = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, message: recorded.append(message))
    return recorded


def failure(capsys, call, *args):
    """The JSON result a module call failed with."""
    with pytest.raises(SystemExit):
        call(*args)
    return json.loads(capsys.readouterr().out)


def test_connection_option_problems():
    assert connection_option_problems({'timeout': 30.0, 'max_retries': 5, 'max_retry_wait': 0.0}) == []
    assert connection_option_problems({'timeout': 0, 'max_retries': 101, 'max_retry_wait': -1}) == [
        'timeout must be a number of seconds greater than 0, got 0',
        'max_retries must be an integer from 0 to 100, got 101',
        'max_retry_wait must be a number of seconds, 0 or more, got -1',
    ]


def test_invalid_options_fail_the_task(capsys):
    with patch_module_args({'timeout': -5}):
        failed = failure(capsys, GraphModule, {})
    assert failed['failed'] and failed['msg'] == 'Invalid options: timeout must be a number of seconds greater than 0, got -5.0.'


def test_graph_client_from_options(monkeypatch, warnings):
    monkeypatch.setenv('AZURE_CLIENT_SECRET', 'ambient-secret')
    args = {'access_token': 'opaque', 'graph_url': 'https://graph.test/', 'validate_certs': False, 'max_retries': 2}
    with patch_module_args(args):
        module = GraphModule({})
        graph = module.graph()
        assert graph is module.graph() and graph.base == 'https://graph.test/v1.0'
        assert graph.policy.max_retries == 2 and graph.http.verify is False
        assert graph.sign_in() == []
        assert 'ambient-secret' in module.no_log_values
        assert len(warnings) == 1 and warnings[0].startswith('validate_certs=false: the TLS certificate')
        module._on_retry('HTTP 429', 2.0)
        module._on_retry('HTTP 429', 30.0)
        module.warn_retries()
    assert warnings[1].startswith('1 long wait(s) for Microsoft Graph (HTTP 429): the longest 30.0 s, 30.0 s in all')
    assert warnings[2] == '2 Graph request(s) were retried (HTTP 429); waited 32.0 s in total.'


def test_no_credential_fails_with_the_error(capsys, monkeypatch):
    for variable in ('AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE', 'M365_ACCESS_TOKEN'):
        monkeypatch.delenv(variable, raising=False)
    with patch_module_args({'tenant_id': 't'}):
        failed = failure(capsys, GraphModule({}).graph)
    assert failed['msg'].startswith('No credential found.') and failed['error']['status'] is None


def test_plain_http_graph_url_is_refused(capsys):
    with patch_module_args({'access_token': 'opaque-token', 'graph_url': 'http://graph.example'}):
        failed = failure(capsys, GraphModule({}).graph)
    assert failed['msg'].startswith('graph_url must be an https:// URL (got http://graph.example)')


def test_missing_library_message(monkeypatch):
    failures = []

    class Module:
        def fail_json(self, **result):
            failures.append(result)

    monkeypatch.setattr(_deps, 'MSAL_IMPORT_ERROR', 'Traceback: No module named msal')
    _deps.require_libraries(Module(), ('requests', 'msal'))
    assert len(failures) == 1 and 'msal' in failures[0]['msg'] and failures[0]['exception'].endswith('No module named msal')
    _deps.require_libraries(Module(), ('requests', 'Pillow'))
    assert len(failures) == 1
