"""How to point m365.photos (or any client) at a running fake tenant: environment and seeded credentials.

The demo app's id and secret are defined once, in the seed (service/seed.py); tests, tools/demo.py
and tools/bench.py take them from here.
"""

from .service.seed import DEMO_APP_ID, DEMO_APP_SECRET, FEDERATED_APP_ID


def collection_env(info, client_id=DEMO_APP_ID, client_secret=DEMO_APP_SECRET):
    """Environment variables the collection reads to sign in to this tenant (secret app by default)."""
    env = {
        'AZURE_TENANT_ID': info['tenant_id'],
        'AZURE_CLIENT_ID': client_id,
        'M365_GRAPH_URL': info['graph_url'],
        'AZURE_AUTHORITY_HOST': info['authority_host'],
        'M365_CA_PATH': info['ca_file'],
        # The first retry without Retry-After waits 3 s against Microsoft Graph; a fake tenant needs no such patience.
        'M365_RETRY_FIRST_WAIT': '0.2',
    }
    if client_secret:
        env['AZURE_CLIENT_SECRET'] = client_secret
    return env


def describe(info):
    """Human-readable start-up text: endpoints, tenant, seeded apps and the variables to export."""
    lines = [
        'Fake Microsoft 365 tenant is running (pid %s). Stop it with Ctrl-C or: python -m fake_tenant stop --info-file %s/info.json'
        % (info['pid'], info['state_dir']),
        '',
        '  Microsoft Graph   %s   (Graph root without /v1.0)' % info['graph_url'],
        '  Entra login host  %s' % info['authority_host'],
        '  tenant            %s (%s)' % (info['tenant_id'], info['tenant_domain']),
        '  CA file           %s   (trust it: M365_CA_PATH)' % info['ca_file'],
        '  state directory   %s' % info['state_dir'],
        '  admin API         %s/_fake/{stats,config,info}' % info['graph_url'],
        '',
        'Seeded apps:',
    ]
    for app in info.get('apps', []):
        lines.append('  %s  %s' % (app['client_id'], app['display_name']))
        for secret in app.get('secrets', []):
            lines.append('      client secret      %s' % secret)
        for pem, pfx in zip(app.get('certificate_files', []), app.get('pfx_files', [])):
            lines.append('      certificate (PEM)  %s   (key + certificate)' % pem)
            lines.append('      certificate (PFX)  %s   (password %s)' % (pfx, app.get('pfx_password', '')))
        for cred in app.get('federated_credentials', []):
            lines.append(
                '      federated          issuer %s, subject %s, audience %s' % (cred['issuer'], cred['subject'], cred['audience'])
            )
            lines.append(
                '      token file         python -m fake_tenant mint-federated-token --state-dir %s --client-id %s --out FILE'
                % (info['state_dir'], app['client_id'])
            )
    identities = info.get('managed_identities', [])
    if identities:
        lines.append(
            'Managed identities (App Service): IDENTITY_ENDPOINT=%s IDENTITY_HEADER=%s; %s'
            % (
                info['identity_endpoint'],
                info['identity_header'],
                ', '.join('%s%s' % (mi['client_id'], ' (system-assigned)' if mi['system_assigned'] else '') for mi in identities),
            )
        )
    apps = {app['client_id']: app for app in info.get('apps', [])}
    demo = apps.get(DEMO_APP_ID) or next((a for a in apps.values() if a.get('secrets')), None)
    lines += ['', 'To point m365.photos at it (client secret):']
    if demo is not None:
        env = collection_env(info, demo['client_id'], demo['secrets'][0] if demo.get('secrets') else None)
        lines += ['  export %s=%s' % item for item in env.items()]
    cert_app = next((a for a in apps.values() if a.get('certificate_files')), None)
    if cert_app is not None:
        lines.append('or with the certificate app instead of the secret:')
        lines.append('  export AZURE_CLIENT_ID=%s' % cert_app['client_id'])
        lines.append('  export AZURE_CLIENT_CERTIFICATE_PATH=%s' % cert_app['certificate_files'][0])
        lines.append('  unset AZURE_CLIENT_SECRET')
    if FEDERATED_APP_ID in apps:
        lines.append('or federated: AZURE_CLIENT_ID=%s AZURE_FEDERATED_TOKEN_FILE=<token file above>' % FEDERATED_APP_ID)
    lines.append('and run ansible-playbook with ansible_python_interpreter set to a Python that has msal, requests and Pillow.')
    return '\n'.join(lines) + '\n'
