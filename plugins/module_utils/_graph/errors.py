# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# m365.photos collection and may not remain stable to outside uses.
"""One exception type for every failed Graph or sign-in call, with an actionable hint.

Decisions branch on the HTTP status and ``error.code`` only, never on the message text
(Graph messages change), except where Graph gives no code that tells two causes apart."""

from __future__ import annotations

import json

KB_3062745 = 'https://learn.microsoft.com/exchange/troubleshoot/administration/user-photos-not-synced-to-exchange-online'

WRITE_PERMISSION = 'ProfilePhoto.ReadWrite.All'
WRITE_ROLES = frozenset([WRITE_PERMISSION, 'User.ReadWrite.All'])

# error.code values Graph uses for "this user's mailbox is not in Exchange Online".
MAILBOX_CODES = frozenset(['MailboxNotEnabledForRESTAPI', 'MailboxNotHostedInExchangeOnline', 'ErrorNonExistentMailbox'])
# error.code values for "no photo" (they changed over the years; see the reference notes).
NO_PHOTO_CODES = frozenset(['ImageNotFound', 'ErrorItemNotFound', 'ErrorEntityNotFound', 'ImageNotFoundException'])
USER_NOT_FOUND_CODES = frozenset(['Request_ResourceNotFound', 'ResourceNotFound'])


class GraphError(Exception):
    """A failed call to Microsoft Graph or the Entra token endpoint."""

    def __init__(self, message, status=None, code=None, request_id=None, method=None, url=None, hint=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        self.hint = hint

    @property
    def is_no_photo(self) -> bool:
        return self.status == 404 and (self.code in NO_PHOTO_CODES or 'ImageNotFound' in (self.message or ''))

    def __str__(self):
        parts = []
        if self.method and self.url:
            parts.append('%s %s failed' % (self.method, self.url))
        if self.status is not None:
            parts.append('HTTP %s' % self.status)
        if self.code:
            parts.append(self.code)
        text = ': '.join(parts + [self.message]) if parts else self.message
        if self.request_id:
            text += ' (request-id: %s)' % self.request_id
        if self.hint:
            text += '. ' + self.hint
        return text

    def as_dict(self) -> dict:
        """JSON-safe description for module results."""
        return {
            'status': self.status,
            'code': self.code,
            'message': self.message,
            'request_id': self.request_id,
            'hint': self.hint,
        }


class AuthError(GraphError):
    """Sign-in failed (token endpoint, credential files, managed identity)."""

    def __str__(self):
        # The message already says that the sign-in failed and (from Entra ID) the AADSTS code and
        # its text: no 'HTTP 401: invalid_client' prefix, which only repeats it.
        text = self.message.rstrip('. ')
        if self.hint:
            text += '. ' + self.hint
        return text


def parse_error_body(text: str) -> tuple[str | None, str | None, str | None]:
    """Return (code, message, request_id) from a Graph error envelope, tolerating non-JSON bodies."""
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        # An HTML page from a proxy or gateway: described by the caller (status, content type),
        # never quoted, since it can hold anything.
        return None, None, None
    error = payload.get('error') if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None, None, None
    inner = error.get('innerError') or error.get('innererror') or {}
    request_id = inner.get('request-id') if isinstance(inner, dict) else None
    code, message = unwrap_unknown_error(error.get('code'), error.get('message'))
    return code, message, request_id


def unwrap_unknown_error(code: str | None, message: str | None) -> tuple[str | None, str | None]:
    """(code, message) of the real error when Graph wrapped it in ``UnknownError`` with the error
    serialised as JSON in ``message`` (microsoft-graph-docs#11992, #12219; msgraph-sdk-dotnet#1247),
    so hints see ``ErrorAccessDenied`` or ``ImageNotFound``; anything else unchanged."""
    if code != 'UnknownError' or not isinstance(message, str) or not message.lstrip().startswith('{'):
        return code, message
    try:
        wrapped = json.loads(message)
    except ValueError:
        return code, message
    real = wrapped.get('error', wrapped) if isinstance(wrapped, dict) else None
    if not isinstance(real, dict) or not isinstance(real.get('code'), str) or not real.get('code'):
        return code, message
    real_message = real.get('message')
    return real['code'], real_message if isinstance(real_message, str) and real_message else message


def hint_for(
    status: int | None,
    code: str | None,
    message: str | None,
    token_roles: list[str] | None = None,
    method: str = 'GET',
    user: str | None = None,
) -> str | None:
    """An actionable next step for the common failures, or None."""
    who = 'user %s' % user if user else 'the user'
    if code in MAILBOX_CODES or code == 'AuthenticationError':
        return (
            'The mailbox of %s is hosted on-premises (or not enabled for Exchange Online), so Microsoft Graph cannot '
            'manage its photo. Set the photo in on-premises Active Directory/Exchange, or move the mailbox to Exchange '
            'Online; see KB 3062745 (%s).' % (who, KB_3062745)
        )
    if status == 404 and code in USER_NOT_FOUND_CODES:
        return (
            '%s does not exist in this tenant. Check the userPrincipalName or object id, and that the app signs in '
            'to the right tenant_id.' % who.capitalize()
        )
    if 'AADSTS70021' in (message or ''):
        # AADSTS70021 and AADSTS700211/700212/700213: no federated credential matches the token's
        # issuer, subject or audience. Nothing has expired: the trust is configured for another subject.
        return (
            'No federated credential of the app registration matches the token in the federated token file: its issuer, '
            'subject and audience must equal those of one federated credential (GitHub Actions subjects look like '
            'repo:ORG/REPO:ref:refs/heads/main, repo:ORG/REPO:pull_request or repo:ORG/REPO:environment:NAME; the '
            'audience is api://AzureADTokenExchange). Compare the token with Certificates & secrets > Federated '
            'credentials of the app.'
        )
    if 'AADSTS700024' in (message or ''):
        return (
            'The token in the federated token file has expired: fetch it right before the run, or refresh the file '
            'in the background during long runs.'
        )
    if status == 401:
        if code == 'invalid_client':
            return (
                'Entra ID rejected the application credential: check client_id, that the client secret has not expired, '
                'or that the certificate is uploaded to this app registration.'
            )
        return 'The access token was rejected (expired or issued for another tenant or cloud). Sign in again.'
    if status == 403:
        writing = method in ('PUT', 'PATCH', 'DELETE')
        if writing and (token_roles and WRITE_ROLES & set(token_roles) or 'polic' in (message or '').lower()):
            return (
                'Photo updates for %s are blocked by the tenant: the photo update policy (photoUpdateSettings source is '
                'onPremises) or a mailbox policy (SetPhotoEnabled false) forbids cloud changes. Change the policy or '
                'manage this photo on-premises.' % who
            )
        if writing:
            return (
                'The application lacks the Microsoft Graph application permission %s. Add it under App registrations > '
                'API permissions and grant admin consent.' % WRITE_PERMISSION
            )
        return (
            'The application lacks a Microsoft Graph read permission (ProfilePhoto.Read.All for photos, User.ReadBasic.All '
            'or User.Read.All for users, GroupMember.Read.All for groups, which needs User.ReadBasic.All or User.Read.All '
            'too to see the members\' names). Add it and grant admin consent.'
        )
    if status == 413:
        return 'The photo is larger than the 4 MB Microsoft Graph accepts: lower quality or size.'
    if status == 429:
        return 'Microsoft Graph kept throttling the requests; retry later or lower the concurrency.'
    return None
