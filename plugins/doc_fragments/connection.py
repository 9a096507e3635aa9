# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # HTTP settings of every module: timeouts, retries, the token cache (beside m365.photos.auth).
    DOCUMENTATION = r'''
options:
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is retried after throttling (HTTP 429), HTTP 503 or 504, or a connection failure.
      - The C(Retry-After) header is always honoured; without it the wait grows exponentially with jitter.
    type: int
    default: 5
  token_cache:
    description:
      - Keep access tokens in a file readable only by its owner, so later tasks of the play reuse them instead of signing in
        again. One file per sign-in host, tenant and client.
      - A cached token the service rejects is dropped and the module signs in once more.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache files. Defaults to C(~/.ansible/m365_photos/token_cache).
    type: path
'''
