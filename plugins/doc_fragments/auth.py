# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Sign-in options shared by every module of the collection (HTTP settings: m365.photos.connection).
    DOCUMENTATION = r'''
options:
  tenant_id:
    description:
      - Directory (tenant) ID or verified domain of the Microsoft Entra tenant.
      - Falls back to the E(AZURE_TENANT_ID) environment variable.
      - Required for O(client_secret), O(client_certificate_path) and O(federated_token_file).
    type: str
  client_id:
    description:
      - Application (client) ID of the app registration.
      - Falls back to the E(AZURE_CLIENT_ID) environment variable.
    type: str
  client_secret:
    description:
      - Client secret of the app registration.
      - Falls back to the E(AZURE_CLIENT_SECRET) environment variable.
      - Exactly one credential must be given, one of O(client_secret), O(client_certificate_path), O(federated_token_file),
        O(managed_identity) or O(access_token). Options set on the task win over environment variables.
    type: str
  client_certificate_path:
    description:
      - Path on the host running the module to a certificate registered for the app, either a PEM file holding the private key
        and the certificate, or a PFX (PKCS#12) file.
      - The client assertion uses the SHA-256 form Entra ID recommends, PS256 signature with the C(x5t#S256) thumbprint header
        (and the certificate in C(x5c)), not the deprecated SHA-1 C(x5t)/RS256 form.
      - Falls back to the E(AZURE_CLIENT_CERTIFICATE_PATH) environment variable.
    type: path
  client_certificate_password:
    description:
      - Password of the private key in O(client_certificate_path).
      - Falls back to the E(AZURE_CLIENT_CERTIFICATE_PASSWORD) environment variable.
    type: str
  federated_token_file:
    description:
      - File holding a token from an external identity provider trusted by a federated credential of the app
        (workload identity federation), such as a CI system's OIDC token. No secret is stored anywhere.
      - The file is read again at every sign-in, so a rotated token is picked up.
      - Falls back to the E(AZURE_FEDERATED_TOKEN_FILE) environment variable.
    type: path
  managed_identity:
    description:
      - Sign in with the managed identity of the Azure resource the module runs on.
    type: bool
    default: false
  managed_identity_client_id:
    description:
      - Client ID of a user-assigned managed identity. Without it the system-assigned identity is used.
    type: str
  access_token:
    description:
      - An access token for Microsoft Graph acquired elsewhere. It cannot be renewed by the module.
      - Falls back to the E(M365_ACCESS_TOKEN) environment variable.
    type: str
  cloud:
    description:
      - The Microsoft cloud the tenant lives in. Selects the Entra sign-in host and the Graph endpoint.
    type: str
    default: global
    choices: [global, usgovernment, usgovernmentdod, china]
  authority_host:
    description:
      - Overrides the Entra sign-in host of O(cloud), for example V(https://login.microsoftonline.com).
      - Falls back to the E(AZURE_AUTHORITY_HOST) environment variable.
    type: str
  graph_url:
    description:
      - Overrides the Microsoft Graph root of O(cloud), without C(/v1.0), for example V(https://graph.microsoft.com).
      - Falls back to the E(M365_GRAPH_URL) environment variable.
      - Must be C(https://) unless it is a loopback address.
    type: str
  validate_certs:
    description:
      - Verify TLS certificates. Only turn this off for a test tenant you trust.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to trust for Entra and Graph instead of the system store.
      - Honoured even when E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) are set.
      - Falls back to the E(M365_CA_PATH) environment variable.
    type: path
notes:
  - The app registration needs the Microsoft Graph B(application) permission C(ProfilePhoto.ReadWrite.All) (or
    C(ProfilePhoto.Read.All) for read-only modules) with admin consent, C(User.Read.All) to resolve users, and
    C(GroupMember.Read.All) for group scopes and purges, together with C(User.Read.All) or C(User.ReadBasic.All); without
    a user-read permission Microsoft Graph answers group members with their object id only.
  - Modules talk to Microsoft Graph from the host they run on, normally the controller (C(delegate_to=localhost)).
requirements:
  - msal >= 1.35.0
  - requests >= 2.31.0
  - Pillow >= 10.0.0
'''
