# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # HTTP settings of every module: timeouts, retries, the token cache (beside m365.photos.auth).
    DOCUMENTATION = r'''
options:
  timeout:
    description:
      - Seconds to wait for each HTTP response. Must be greater than 0.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is retried after throttling (HTTP 429), HTTP 502, 503 or 504, or a connection failure.
      - The C(Retry-After) header is always honoured up to O(max_retry_wait); without it the first retry waits 3 seconds, as
        Microsoft's SDKs do, and later ones back off exponentially from there with jitter.
      - The environment variable E(M365_RETRY_FIRST_WAIT) sets that first wait in seconds (for example C(0.2) against a test
        double).
      - From 0 to 100.
    type: int
    default: 5
  max_retry_wait:
    description:
      - The longest single wait, in seconds, that a C(Retry-After) header may impose. When the service asks for more, the
        request is not retried and that user fails with "the service asked to wait N s"; the other users of the run go on.
      - Waits of 10 seconds or more are reported in a warning.
    type: float
    default: 120
  token_cache:
    description:
      - Keep access tokens in a file readable only by its owner, so later tasks of the play reuse them instead of signing in
        again. One file per sign-in host, tenant and client.
      - A cached token the service rejects is dropped and the module signs in once more.
      - An existing cache file that its group or other users may read is set to mode C(0600), with a warning.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache files. Defaults to C(~/.ansible/m365_photos/token_cache).
    type: path
'''
