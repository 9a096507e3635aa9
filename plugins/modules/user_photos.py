#!/usr/bin/python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: user_photos
short_description: Keep the profile photos of many Microsoft 365 users as declared, in one task
version_added: 1.0.0
description:
  - Reconciles a whole declared inventory of users and image files with Microsoft 365 in one task, with one sign-in and one
    connection pool, at the speed the service allows.
  - Each user goes through the same read, compare, write as M(m365.photos.user_photo), so only photos that really differ
    are uploaded, although Microsoft Graph re-encodes every stored photo.
  - Users are processed concurrently; the number of requests in flight adapts to the service (backs off on HTTP 429, grows
    while it is healthy) and C(Retry-After) is always honoured.
  - A failure for one user never stops the others. The task fails at the end when any user failed, listing them, with the full
    per-user RV(results).
  - With O(purge=true), members of O(purge_group) whose photo is not declared get their photo removed.
options:
  photos:
    description:
      - Declared users. Entries here win over files in O(src_dir) for the same user.
    type: list
    elements: dict
    default: []
    suboptions:
      user:
        description: User principal name or object id.
        type: str
        required: true
      src:
        description:
          - Image file on the controller; relative paths are searched in the role and playbook C(files/) directories.
          - One of O(photos[].src) and O(photos[].content) is required when O(photos[].state=present).
        type: path
      content:
        description:
          - The image's bytes, base64-encoded, instead of a file; for example an Active Directory user's C(thumbnailPhoto)
            read with M(community.general.ldap_search) and O(community.general.ldap_search#module:base64_attributes).
            Whitespace and line breaks are ignored.
          - Treated exactly like the same bytes in a file (normalisation, comparison, check mode, diff, backups, reports,
            O(state_file) fingerprints). Invalid base64 fails that user only, with a message naming it.
          - Mutually exclusive with O(photos[].src); an entry with both fails that user.
          - Marked C(no_log). It is not secret, but large, and so kept out of the module arguments that verbose output (C(-vvv)),
            job event stores and the system log record.
        type: str
      state:
        description: V(present) sets the photo from O(photos[].src) or O(photos[].content), V(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
  src_dir:
    description:
      - Directory of image files named after their users, for example C(alice@contoso.com.jpg), or C(alice.png) with
        O(match=mail_nickname). Files with other extensions are ignored.
    type: path
  match:
    description:
      - What the file names in O(src_dir) are matched against. V(upn) is the user principal name, V(mail_nickname) the mail
        alias, V(mail) the primary SMTP address. The last two need C(User.Read.All) to list the tenant's users.
    type: str
    choices: [upn, mail_nickname, mail]
    default: upn
  purge:
    description:
      - Remove the photo of every member of O(purge_group) that is not declared (in O(photos) or O(src_dir)). Requires
        O(purge_group); a purge without a scope is refused.
      - Removed photos are backed up first unless O(backup=false).
      - A purge when nothing at all is declared (no O(photos), no image file in O(src_dir), no O(declared_users)) is refused
        whatever O(max_removals) says, since it would remove the photo of every member of O(purge_group).
      - Bounded by O(max_removals).
    type: bool
    default: false
  max_removals:
    description:
      - The most photos one run may remove, counting the purged users and the O(photos[].state=absent) entries. A run that would
        remove more fails before removing anything, naming the count. Users without a photo do not count.
      - In check mode the plan is shown with a warning that the real run would be refused.
      - V(0) allows no removal at all.
    type: int
    default: 10
  purge_group:
    description:
      - Object id or display name of the Entra group whose members are in scope of O(purge). Nested members count.
    type: str
  declared_users:
    description:
      - Users (UPN or object id) declared elsewhere, for example in other chunks of the same inventory run by the
        P(m365.photos.photo_sync#role) role. They are never purged and not processed by this task.
    type: list
    elements: str
    default: []
  force:
    description: Upload every declared photo even when the current one is the same, or a higher-resolution copy of the source.
    type: bool
    default: false
  backup:
    description:
      - Save the current photo to O(backup_dir) before replacing or removing it.
      - When not set, photos are backed up before every removal (O(photos[].state=absent) or O(purge)) but not before a
        replacement. V(false) turns removal backups off too.
    type: bool
  backup_dir:
    description: Directory for backups on the host running the module. Defaults to C(~/.ansible/m365_photos/backups).
    type: path
  state_file:
    description:
      - JSON file remembering, per user, the source fingerprint and the photo ETag seen after the last upload or check. While
        both still match, a user costs one metadata read and no download. A changed ETag (someone changed the photo
        elsewhere) leads to the usual comparison and fix. Not written in check mode.
      - Validated on load; records of the wrong shape are dropped with a warning and the file is rewritten clean. Its location
        must be writable; that is checked before the first write to Microsoft 365. Written atomically, under a lock, merged with
        what is on disk, so runs sharing it lose no records. When it cannot be written after uploads, the task fails naming it
        and still returns RV(results) and C(changed).
      - Microsoft 365 processes uploads asynchronously, so a read right after one may still show the photo from before it.
        The state file records such an upload as pending (source fingerprint, the ETag seen before the write, time); while the
        service still shows that old ETag the next run takes the upload as in progress, not as drift, and sends nothing again
        (for at most 6 hours, then the user is compared as usual). Without a state file a run soon after an upload may compare
        against the stale photo and upload it once more.
    type: path
  cache_dir:
    description:
      - Directory where normalised images are cached by source hash and options.
      - Defaults to C(~/.ansible/m365_photos/image_cache).
    type: path
  report_dir:
    description:
      - Directory to write C(report.json), C(summary.md) (a table fit for a pull-request comment, a plan in check mode),
        C(report.html) (one self-contained page with the counts, before and after thumbnails of every changed user, the
        failed users and a filter by action) and the C(contact-sheet.png) pages (a grid of before and after thumbnails,
        C(contact-sheet-2.png) and so on when one page would be taller than 4000 pixels; none when nothing changed).
        Written in check mode too, owner-only (mode C(0600)).
    type: path
  concurrency:
    description:
      - Requests in flight at the start (at least 1). The limit then finds the service's pace by itself, between 1 and
        O(max_concurrency); it doubles every round trip until the first 429 (throttled) answer or until the latency rises,
        then holds near the limit it found, probing for more now and then. Every C(Retry-After) is honoured by the worker
        that got it. Reads and writes are paced apart, and never more than one request per user is in flight.
    type: int
    default: 4
  max_concurrency:
    description:
      - Upper bound of requests in flight (reads and writes each). The limit adapts below it, so a high bound costs nothing
        on a tight tenant; lower it only to leave capacity to other apps.
    type: int
    default: 64
extends_documentation_fragment:
  - m365.photos.normalise
  - m365.photos.auth
  - m365.photos.connection
  - m365.photos.attributes
  - m365.photos.attributes.CHECK_MODE_FULL
notes:
  - In check mode every user is read and compared, nothing is written; the reports show the plan.
  - In diff mode the diff has one line for the photo before and one after per changed user (SHA-256 prefix, dimensions,
    bytes) and nothing for unchanged users; RV(results) and C(report.json) have the full detail.
  - Never downgrades. When a source is smaller than the user's current photo and is the same picture (for example an Active
    Directory thumbnail of the photo uploaded at 648 px), the user is V(unchanged) and its RV(results[].msg) says the
    current photo is a higher-resolution copy of the source; O(force=true) uploads the source anyway. Sources that give a
    photo below 240 pixels get a warning in RV(results[].msg) that they look soft in Teams and Outlook.
  - The collection's C(docs/hybrid.md) syncs Active Directory C(thumbnailPhoto) values with O(photos[].content).
seealso:
  - module: m365.photos.user_photo
  - name: Role m365.photos.photo_sync
    description: Runs this module over a validated inventory in chunks and writes combined reports.
    link: https://github.com/m365-photos/m365.photos/tree/main/roles/photo_sync
author:
  - m365.photos contributors (@m365-photos)
'''

EXAMPLES = r'''
- name: Keep the photos of everybody with a file in photos/ (alice@contoso.com.jpg, ...)
  m365.photos.user_photos:
    src_dir: photos
    state_file: .m365-photos-state.json
    report_dir: reports
  delegate_to: localhost

- name: Files named after the mail alias, explicit entries on top, and a leaver
  m365.photos.user_photos:
    src_dir: photos
    match: mail_nickname
    photos:
      - user: ceo@contoso.com
        src: portraits/ceo-2026.png
      - user: leaver@contoso.com
        state: absent
    crop: top
  delegate_to: localhost

- name: Exclusive mode for one group, with backups of removed photos
  m365.photos.user_photos:
    src_dir: photos
    purge: true
    purge_group: Photo Managed Staff
    backup_dir: /var/backups/m365-photos
  delegate_to: localhost

- name: Photos from Active Directory's thumbnailPhoto (see docs/hybrid.md)
  m365.photos.user_photos:
    photos: >-
      {{ ad_users.results
         | community.general.keep_keys(target=['userPrincipalName', 'thumbnailPhoto'])
         | community.general.replace_keys(target=[{'before': 'userPrincipalName', 'after': 'user'},
                                                  {'before': 'thumbnailPhoto', 'after': 'content'}]) }}
    state_file: /var/lib/m365-photos/hybrid-state.json
  delegate_to: localhost
'''

RETURN = r'''
summary:
  description: Number of users per outcome.
  returned: always
  type: dict
  contains:
    uploaded:
      description: Users whose photo was (or in check mode would be) uploaded.
      type: int
    removed:
      description: Users whose photo was (or would be) removed.
      type: int
    unchanged:
      description: Users already as declared.
      type: int
    failed:
      description: Users that could not be processed; see RV(results).
      type: int
    skipped:
      description:
        - Always 0 here, kept so the counts have the same keys as the P(m365.photos.photo_sync#role) role's, which counts the
          users of calls it did not make after an earlier call failed as a whole.
      type: int
    total:
      description: All users of the run.
      type: int
  sample: {uploaded: 3, removed: 1, unchanged: 196, failed: 0, skipped: 0, total: 200}
results:
  description: One record per user, in declaration order (files of O(src_dir) after O(photos), purged users last).
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user.
      type: str
    action:
      description: What was (or would be) done.
      type: str
      choices: [uploaded, removed, unchanged, failed]
    changed:
      description: Whether this user changed.
      type: bool
    msg:
      description: Why, in words; for failures what went wrong and what to do.
      type: str
    distance:
      description: Perceptual distance between the declared and the current photo, when they were compared.
      type: float
    backup_file:
      description: Backup of the previous photo, when one was written.
      type: str
    src:
      description: The source file; null for O(photos[].content) entries and removals.
      type: str
    state:
      description: The declared state.
      type: str
report_files:
  description: Paths of the reports, when O(report_dir) is set.
  returned: when O(report_dir) is set
  type: dict
  contains:
    report:
      description: C(report.json).
      type: str
    summary:
      description: C(summary.md).
      type: str
    html:
      description: C(report.html).
      type: str
    contact_sheet:
      description: The first contact-sheet page, C(contact-sheet.png); null when no user changed.
      type: str
    contact_sheets:
      description: Every contact-sheet page (empty when no user changed).
      type: list
      elements: str
ignored_files:
  description:
    - Entries of O(src_dir) that were skipped, each with the reason. A symlink that resolves outside O(src_dir) is never followed;
      FIFOs, sockets and devices are never opened; nothing of a file's contents is ever shown.
  returned: when O(src_dir) is set
  type: list
  elements: dict
  contains:
    file:
      description: The entry's name in O(src_dir).
      type: str
    reason:
      description:
        - Why it was skipped, for example C(symlink pointing outside src_dir (not followed)), C(broken symlink), C(symlink loop),
          C(directory), C(FIFO (named pipe), not a regular file), C(socket, not a regular file), C(device, not a regular file),
          C(unreadable (permission denied)), C(hidden file) or C(not an image file name (extension .txt; ...)).
      type: str
  sample: [{file: notes.txt, reason: "not an image file name (extension .txt; expected .bmp, .gif, .jpeg, .jpg, .png, .tif, .tiff, .webp)"}]
removals:
  description:
    - How many photos the run removes (or, in check mode, would remove), counting purged users and O(photos[].state=absent)
      entries; when that is more than O(max_removals), users without a photo are not counted.
  returned: success, and when the run is refused by O(max_removals)
  type: int
  sample: 2
'''

import os

from ansible_collections.m365.photos.plugins.module_utils._graph.directory import directory_resolver, get_user, purge_members
from ansible_collections.m365.photos.plugins.module_utils._graph.errors import GraphError
from ansible_collections.m365.photos.plugins.module_utils._graph.photos import read_metadata
from ansible_collections.m365.photos.plugins.module_utils._module import GraphModule
from ansible_collections.m365.photos.plugins.module_utils._sync.inventory import (
    add_purged,
    build_inventory,
    inventory_argument_spec,
    merge_by_object_id,
)
from ansible_collections.m365.photos.plugins.module_utils._sync.source import normalise_argument_spec, normalise_settings


def main():
    argument_spec = dict(
        **inventory_argument_spec(),
        purge=dict(type='bool', default=False),
        purge_group=dict(type='str'),
        declared_users=dict(type='list', elements='str', default=[]),
        force=dict(type='bool', default=False),
        backup=dict(type='bool'),
        backup_dir=dict(type='path'),
        state_file=dict(type='path'),
        cache_dir=dict(type='path'),
        report_dir=dict(type='path'),
        concurrency=dict(type='int', default=4),
        max_concurrency=dict(type='int', default=64),
        max_removals=dict(type='int', default=10),
    )
    argument_spec.update(normalise_argument_spec())
    module = GraphModule(argument_spec, supports_check_mode=True)
    params = module.params
    problems = []
    if params['concurrency'] < 1:
        problems.append('concurrency must be at least 1, got %d' % params['concurrency'])
    if params['max_concurrency'] < 1:
        problems.append('max_concurrency must be at least 1, got %d' % params['max_concurrency'])
    if params['max_removals'] < 0:
        problems.append('max_removals must be 0 or more, got %d' % params['max_removals'])
    if problems:
        module.fail_json(msg='Invalid options: %s.' % '; '.join(problems))
    if params['purge'] and not params['purge_group']:
        module.fail_json(
            msg='purge=true needs purge_group (a group id or name) to scope which users may lose their photo; '
            'a tenant-wide purge is refused.'
        )
    if params['src_dir'] and not os.path.isdir(params['src_dir']):
        module.fail_json(msg='src_dir %s is not a directory' % params['src_dir'])
    if not params['photos'] and not params['src_dir'] and not params['purge']:
        module.fail_json(msg='Nothing declared: give photos, src_dir, or purge with purge_group.')
    try:
        settings = normalise_settings(params)
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    from ansible_collections.m365.photos.plugins.module_utils._graph.limiter import GraphLimiter
    from ansible_collections.m365.photos.plugins.module_utils._sync.bulk import BulkRun, summarise
    from ansible_collections.m365.photos.plugins.module_utils._sync.report import ThumbnailStore, terse_diff, write_reports
    from ansible_collections.m365.photos.plugins.module_utils._sync.state_file import StateFile, StateFileError

    state = StateFile(params['state_file']) if params['state_file'] else None
    if state:
        for warning in state.warnings():
            module.warn(warning)
        if not module.check_mode:
            try:
                state.check_writable()  # before the first write to Graph: an unwritable state file fails with nothing written
            except StateFileError as exc:
                module.fail_json(msg='%s; nothing was written to Microsoft 365.' % exc)

    limiter = GraphLimiter(initial=params['concurrency'], maximum=max(params['max_concurrency'], params['concurrency']))
    graph = module.graph(limiter=limiter)
    try:
        graph.sign_in()  # once up front: a bad credential fails the task, not every user
        resolver = directory_resolver(graph, params['match']) if params['src_dir'] and params['match'] != 'upn' else None
        entries, ignored = build_inventory(params['photos'], params['src_dir'], resolver)
        if params['purge'] and not entries and not params['declared_users']:
            module.fail_json(
                msg='purge refused: nothing is declared (no photos, %s, no declared_users), so every member of %s would '
                'lose their photo. Declare the photos to keep, or remove purge.'
                % ('src_dir %s holds no image file' % params['src_dir'] if params['src_dir'] else 'no src_dir', params['purge_group']),
                ignored_files=ignored,
            )
        merge_by_object_id(entries, lambda user_id: _upn_of(graph, user_id))
        if params['purge']:
            add_purged(entries, purge_members(graph, params['purge_group']), params['declared_users'])
    except GraphError as exc:
        module.fail_graph(exc, msg='Cannot prepare the run')

    removals = _count_removals(graph, entries, params['max_removals'], max(params['max_concurrency'], params['concurrency']))
    refused = None
    if removals['count'] > params['max_removals']:
        refused = 'this run would remove %d photos (%d purged, %d state=absent), more than max_removals=%d' % (
            removals['count'],
            removals['purged'],
            removals['absent'],
            params['max_removals'],
        )
        if not module.check_mode:
            module.fail_json(
                msg='Refused: %s. Nothing was changed. Raise max_removals if that many removals are intended, or check the '
                'declared photos, src_dir and purge_group.' % refused,
                removals=removals['count'],
            )
        module.warn('Check mode: %s; the real run would be refused.' % refused)

    backup = params['backup'] if params['backup'] is not None else 'removals'
    thumbs = ThumbnailStore(_make_dir(module, params['report_dir'])) if params['report_dir'] else None
    run = BulkRun(
        graph,
        settings,
        cache_dir=params['cache_dir'],
        state=state,
        backup=backup,
        backup_dir=params['backup_dir'],
        force=params['force'],
        check_mode=module.check_mode,
        thumbs=thumbs,
        # Twice the bound: users waiting for a write place must not leave the reads without threads.
        workers=2 * max(params['max_concurrency'], params['concurrency']),
        processes=os.cpu_count() or 2,
    )
    save_error = None
    try:
        results = run.run(entries)
    finally:
        if state and not module.check_mode:
            try:
                state.save()
            except StateFileError as exc:
                save_error = str(exc)
    summary = summarise(results)
    output = dict(changed=summary['uploaded'] + summary['removed'] > 0, summary=summary, results=results, removals=removals['count'])
    if refused:
        output['msg'] = 'Check mode: %s; the real run would be refused.' % refused
    if params['src_dir']:
        output['ignored_files'] = ignored
    if thumbs:
        output['report_files'] = write_reports(
            params['report_dir'],
            summary,
            results,
            module.check_mode,
            thumbs,
            extra={'peak_concurrency': limiter.peak, 'throttled': limiter.throttled, 'pacing': limiter.stats()},
        )
        thumbs.cleanup()
    if module._diff and run.diffs:
        output['diff'] = terse_diff(run.diffs)
    module.warn_retries()
    for warning in run.warnings:
        module.warn(warning)
    if save_error:
        # The uploads happened: their results and changed are returned, and the task fails naming the file.
        module.fail_json(
            msg='%s after %d upload(s) and %d removal(s); the results are below, the next run compares those users again.'
            % (save_error, summary['uploaded'], summary['removed']),
            **output,
        )
    if summary['failed']:
        failed = [r for r in results if r['action'] == 'failed']
        listing = '; '.join('%s: %s' % (r['user'], r['msg']) for r in failed[:20])
        more = ' (and %d more, see results)' % (len(failed) - 20) if len(failed) > 20 else ''
        module.fail_json(msg='%d of %d users failed: %s%s' % (len(failed), summary['total'], listing, more), **output)
    module.exit_json(**output)


def _upn_of(graph, user_id):
    """The UPN of an object id, or None when it cannot be read (the user's own calls report why)."""
    try:
        return get_user(graph, user_id).get('userPrincipalName')
    except GraphError:
        return None


def _count_removals(graph, entries, limit, workers):
    """How many photos the run would remove: the valid purge and state=absent entries. When they are
    more than ``limit``, the candidates are probed (one metadata read each) so users without a
    photo do not count; an unreadable candidate counts as one."""
    candidates = [e for e in entries if not e.error and e.state == 'absent']
    if len(candidates) > limit:
        from concurrent.futures import ThreadPoolExecutor

        def has_photo(entry):
            try:
                return read_metadata(graph, entry.user) is not None
            except GraphError:
                return True

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            flags = list(pool.map(has_photo, candidates))
        candidates = [e for e, flag in zip(candidates, flags) if flag]
    purged = sum(1 for e in candidates if e.purged)
    return {'count': len(candidates), 'purged': purged, 'absent': len(candidates) - purged}


def _make_dir(module, path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        module.fail_json(msg='Cannot create report_dir %s: %s' % (path, exc.strerror))
    return path


if __name__ == '__main__':
    main()
