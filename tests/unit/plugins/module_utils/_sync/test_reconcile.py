# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""reconcile() over the recording stub: what it reads, when it writes, and the backup before a removal."""

from __future__ import annotations

import os

import pytest
from ansible_collections.m365.photos.plugins.module_utils._imaging.cache import DesiredPhoto
from ansible_collections.m365.photos.plugins.module_utils._imaging.compare import THRESHOLD
from ansible_collections.m365.photos.plugins.module_utils._imaging.normalise import ImageError, normalise_image
from ansible_collections.m365.photos.plugins.module_utils._sync.reconcile import ReconcileOptions, higher_resolution_message, reconcile

USER = 'a@c.example'
PHOTO = '/v1.0/users/a@c.example/photo'
VALUE = PHOTO + '/$value'


class FixedComparer:
    """A comparer that answers a set distance and records what it was asked."""

    def __init__(self, distance, at_source_size=99.0):
        self.value = distance
        self.at_source_size = at_source_size
        self.calls = 0

    def distance(self, desired, current):
        self.calls += 1
        if self.value is None:
            raise ImageError('does not decode')
        return self.value

    def distance_at_source_size(self, desired, current):
        return self.at_source_size


@pytest.fixture
def desired(make_jpeg):
    return DesiredPhoto.from_image(normalise_image(make_jpeg(), size=96))


def writes(http):
    return [call for call in http.requests_made() if call[0] in ('PUT', 'DELETE')]


def test_no_put_when_the_distance_is_within_the_threshold(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=desired.data)
    comparer = FixedComparer(THRESHOLD)
    outcome = reconcile(graph, USER, desired, ReconcileOptions(), comparer)
    assert (outcome.action, outcome.changed, outcome.distance) == ('unchanged', False, THRESHOLD)
    assert writes(http) == [] and comparer.calls == 1
    assert http.requests_made() == [('GET', PHOTO), ('GET', VALUE)]


def test_put_when_the_distance_is_beyond_the_threshold(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'old')
    outcome = reconcile(graph, USER, desired, ReconcileOptions(), FixedComparer(THRESHOLD + 0.01))
    assert (outcome.action, outcome.changed) == ('uploaded', True)
    assert writes(http) == [('PUT', VALUE)] and http.photos[USER][0] == desired.data
    assert outcome.before.startswith('sha256: ') and 'etag: W/"etag-1"' in outcome.before
    assert outcome.after == 'sha256: %s\ndimensions: 96x96\nbytes: %d\n' % (desired.sha256, desired.size)


def test_real_comparison_of_the_same_photo(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=desired.data)
    assert reconcile(graph, USER, desired).action == 'unchanged'
    assert writes(http) == []


def test_one_metadata_read_when_the_etag_matches(stub, desired):
    graph, http, dummy = stub
    etag = http.add_user(USER, photo=b'whatever') and http.photos[USER][1]
    comparer = FixedComparer(50.0)
    outcome = reconcile(graph, USER, desired, ReconcileOptions(), comparer, known_etag=etag)
    assert outcome.action == 'unchanged' and outcome.etag == etag
    assert http.requests_made() == [('GET', PHOTO)] and comparer.calls == 0


def test_another_etag_is_compared_and_fixed(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'changed elsewhere')
    outcome = reconcile(graph, USER, desired, ReconcileOptions(read_etag_after_write=True), FixedComparer(50.0), known_etag='W/"old"')
    assert outcome.action == 'uploaded' and outcome.etag == http.photos[USER][1] and not outcome.pending_write
    assert http.requests_made() == [('GET', PHOTO), ('GET', VALUE), ('PUT', VALUE), ('GET', PHOTO)]


def test_force_uploads_even_with_a_matching_etag(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=desired.data)
    etag = http.photos[USER][1]
    outcome = reconcile(graph, USER, desired, ReconcileOptions(force=True), FixedComparer(0.0), known_etag=etag)
    assert outcome.action == 'uploaded' and writes(http) == [('PUT', VALUE)]


def test_a_backup_before_every_removal(stub, tmp_path):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'\xff\xd8current')
    order = []
    original = http.request

    def spy(method, url, **kwargs):
        if method == 'DELETE':
            order.append(('DELETE', sorted(os.listdir(tmp_path))))
        return original(method, url, **kwargs)

    http.request = spy
    outcome = reconcile(graph, USER, None, ReconcileOptions(backup='removals', backup_dir=str(tmp_path)))
    assert (outcome.action, outcome.changed) == ('removed', True)
    backup = os.path.basename(outcome.backup_file)
    assert order == [('DELETE', [backup])]  # the backup existed when the DELETE went out
    with open(outcome.backup_file, 'rb') as handle:
        assert handle.read() == b'\xff\xd8current'
    assert USER not in http.photos


def test_removal_without_backup_reads_metadata_only(stub):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'x')
    outcome = reconcile(graph, USER, None, ReconcileOptions(metadata_first=False))
    assert outcome.action == 'removed' and outcome.backup_file is None
    assert http.requests_made() == [('GET', PHOTO), ('DELETE', VALUE)]


def test_backup_removals_does_not_back_up_uploads(stub, desired, tmp_path):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'old')
    outcome = reconcile(graph, USER, desired, ReconcileOptions(backup='removals', backup_dir=str(tmp_path)), FixedComparer(50.0))
    assert outcome.action == 'uploaded' and outcome.backup_file is None and os.listdir(tmp_path) == []
    outcome = reconcile(graph, USER, desired, ReconcileOptions(backup=True, backup_dir=str(tmp_path), force=True), FixedComparer(0.0))
    assert outcome.backup_file and len(os.listdir(tmp_path)) == 1


def test_check_mode_writes_nothing(stub, desired, tmp_path):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'old')
    options = ReconcileOptions(check_mode=True, backup=True, backup_dir=str(tmp_path))
    assert reconcile(graph, USER, desired, options, FixedComparer(50.0)).action == 'uploaded'
    assert reconcile(graph, USER, None, options).action == 'removed'
    assert writes(http) == [] and os.listdir(tmp_path) == []


def test_absent_user_photo(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER)
    outcome = reconcile(graph, USER, None)
    assert (outcome.action, outcome.before, outcome.after) == ('unchanged', 'state: absent\n', 'state: absent\n')
    outcome = reconcile(graph, USER, desired, ReconcileOptions(metadata_first=False, read_etag_after_write=True))
    assert outcome.action == 'uploaded' and outcome.distance is None and outcome.etag


def test_content_first_without_metadata(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=desired.data)
    outcome = reconcile(graph, USER, desired, ReconcileOptions(metadata_first=False))
    assert outcome.action == 'unchanged' and outcome.previous['width'] == 96
    assert http.requests_made() == [('GET', VALUE)]


def test_undecodable_current_photo_is_replaced(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'not an image')
    outcome = reconcile(graph, USER, desired, ReconcileOptions(), FixedComparer(None))
    assert outcome.action == 'uploaded' and outcome.distance is None


def test_pending_upload_is_not_sent_again(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'before')
    pending = {'source': 'k', 'etag_before': http.photos[USER][1], 'time': 1000.0}
    outcome = reconcile(graph, USER, desired, ReconcileOptions(), FixedComparer(50.0), pending=pending)
    assert outcome.action == 'unchanged' and outcome.pending_since == 1000.0 and writes(http) == []


def test_upload_not_visible_yet_is_pending(stub, desired):
    graph, http, dummy = stub
    http.add_user(USER, photo=b'before')
    etag_before = http.photos[USER][1]
    original = http.set_photo
    http.set_photo = lambda upn, data, content_type='image/jpeg', etag=None: original(upn, b'before', etag=etag_before)
    outcome = reconcile(graph, USER, desired, ReconcileOptions(read_etag_after_write=True), FixedComparer(50.0))
    assert outcome.pending_write and outcome.etag is None and outcome.etag_before == etag_before


def test_never_downgrade_a_higher_resolution_copy(stub, make_jpeg):
    graph, http, dummy = stub
    small = DesiredPhoto.from_image(normalise_image(make_jpeg(size=(300, 300)), size=96))
    large = normalise_image(make_jpeg(size=(600, 600)), size=400).data
    http.add_user(USER, photo=large)
    outcome = reconcile(graph, USER, small, ReconcileOptions(), FixedComparer(THRESHOLD + 1, at_source_size=0.1))
    assert outcome.action == 'unchanged' and outcome.higher_resolution == '400x400' and writes(http) == []
    assert higher_resolution_message(outcome, small).startswith('unchanged: the current photo (400x400) is a higher-resolution copy')
    forced = reconcile(graph, USER, small, ReconcileOptions(force=True), FixedComparer(0.0))
    assert forced.action == 'uploaded'
    assert higher_resolution_message(forced, small).startswith('uploaded: force=true')
    assert forced.diff()['before_header'] == 'a@c.example (Microsoft 365)'
