"""In-memory tenant state, persisted to the state directory on change.

Reads never touch the disk: everything lives in dicts guarded by one lock.
tenant.json holds directory objects (rewritten only when they change);
each photo is photos/<user-id>.img plus a small photos/<user-id>.json, so a
PUT rewrites two small files instead of the whole tenant.
"""

import datetime
import hashlib
import os
import secrets
import threading

from . import certs
from . import seed as seedmod
from .fsutil import atomic_write, atomic_write_json, read_json

TENANT_FILE = 'tenant.json'
PHOTO_DIR = 'photos'


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class TenantStore:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.lock = threading.RLock()
        self.tenant_id = None
        self.tenant_domain = None
        self.apps = {}
        self.managed_identities = []
        self.users = []
        self.groups = []
        self.settings = {'source': 'cloud', 'allowedRoles': []}
        self.photos = {}
        self._users_by_id = {}
        self._users_by_upn = {}
        self._users_by_mail = {}
        self._groups_by_id = {}

    # ----- loading / saving -------------------------------------------------
    def initialize(self, seed=None):
        data = read_json(os.path.join(self.state_dir, TENANT_FILE))
        if data is None:
            self.apply_seed(seedmod.merge_seed(seed), save=True)
        else:
            self._load(data)
            if seed:
                # An explicit seed on an existing state dir is applied as an upsert on top.
                self.apply_seed(seed, save=True)
        self._load_photos()

    def _load(self, data):
        with self.lock:
            self.tenant_id = data['tenant_id']
            self.tenant_domain = data['tenant_domain']
            self.apps = {app['client_id'].lower(): app for app in data['apps']}
            self.managed_identities = data.get('managed_identities', [])
            self.users = data['users']
            self.groups = data['groups']
            self.settings = data.get('settings', self.settings)
            self._reindex()

    def _reindex(self):
        self._users_by_id = {u['id'].lower(): u for u in self.users}
        self._users_by_upn = {u['userPrincipalName'].lower(): u for u in self.users}
        self._users_by_mail = {}
        for user in self.users:
            if user.get('mail'):
                self._users_by_mail.setdefault(user['mail'].lower(), user)
        self._groups_by_id = {g['id'].lower(): g for g in self.groups}

    def save_tenant(self):
        with self.lock:
            data = {
                'tenant_id': self.tenant_id,
                'tenant_domain': self.tenant_domain,
                'apps': list(self.apps.values()),
                'managed_identities': self.managed_identities,
                'users': self.users,
                'groups': self.groups,
                'settings': self.settings,
            }
            atomic_write_json(os.path.join(self.state_dir, TENANT_FILE), data, private=True)

    def _load_photos(self):
        directory = os.path.join(self.state_dir, PHOTO_DIR)
        if not os.path.isdir(directory):
            return
        for name in os.listdir(directory):
            if not name.endswith('.json'):
                continue
            meta = read_json(os.path.join(directory, name))
            if not meta:
                continue
            record = dict(meta)
            record['data'] = None
            if meta.get('present'):
                try:
                    with open(os.path.join(directory, meta['id'] + '.img'), 'rb') as handle:
                        record['data'] = handle.read()
                except FileNotFoundError:
                    record['present'] = False
            self.photos[meta['id'].lower()] = record

    # ----- seeding ------------------------------------------------------------
    def apply_seed(self, seed, save=True):
        """Upsert apps, identities, users and groups described like a seed file."""
        with self.lock:
            if seed.get('tenant_id') or self.tenant_id is None:
                self.tenant_id = seed.get('tenant_id') or seedmod.DEFAULT_TENANT_ID
            if seed.get('tenant_domain') or self.tenant_domain is None:
                self.tenant_domain = seed.get('tenant_domain') or seedmod.DEFAULT_TENANT_DOMAIN
            for spec in seed.get('apps', []):
                self._upsert_app(spec)
            for spec in seed.get('managed_identities', []):
                self.managed_identities = [m for m in self.managed_identities if m['client_id'].lower() != spec['client_id'].lower()]
                self.managed_identities.append(dict(spec))
            added = 0
            for spec in seed.get('users', []):
                added += self._upsert_user(seedmod.make_user(self.tenant_id, spec), spec)
            generated = seed.get('generated_users')
            if generated:
                added += self._add_generated(generated)
            else:
                self._reindex()
            for spec in seed.get('groups', []):
                self._upsert_group(spec)
            if seed.get('photo_update_settings'):
                self.settings = dict(self.settings)
                self.settings.update(seed['photo_update_settings'])
            if save:
                self.save_tenant()
            return {'users': len(self.users), 'groups': len(self.groups), 'added_users': added}

    def _upsert_app(self, spec):
        client_id = spec['client_id']
        app = dict(self.apps.get(client_id.lower(), {}))
        app.update(
            {
                'client_id': client_id,
                'display_name': spec.get('display_name', app.get('display_name', client_id)),
                'roles': list(spec.get('roles', app.get('roles', []))),
            }
        )
        secrets_list = list(spec.get('secrets', app.get('secrets', [])))
        if spec.get('secret'):
            secrets_list.append(spec['secret'])
        app['secrets'] = secrets_list
        pems = list(spec.get('certificates', app.get('certificates', [])))
        files = list(app.get('certificate_files', []))
        if spec.get('certificate_file'):
            pems.append(certs.ensure_client_cert(self.state_dir, spec['certificate_file'], spec.get('display_name', client_id)))
            files = sorted(set(files) | {spec['certificate_file']})
        app['certificate_files'] = files
        if spec.get('certificate_pem'):
            pems.append(spec['certificate_pem'])
        app['certificates'] = sorted(set(pems))
        app['federated_credentials'] = list(spec.get('federated_credentials', app.get('federated_credentials', [])))
        self.apps[client_id.lower()] = app

    def _upsert_user(self, user, spec):
        existing = self._users_by_upn.get(user['userPrincipalName'].lower())
        if existing is None:
            self.users.append(user)
            self._users_by_upn[user['userPrincipalName'].lower()] = user
            return 1
        # Only fields the seed names are changed; the object id stays stable.
        for key, value in spec.items():
            if key == 'scenario' and not value:
                existing.pop('scenario', None)
            elif key != 'id':
                existing[key] = value
        return 0

    def _add_generated(self, spec):
        generated = seedmod.generate_users(self.tenant_id, spec)
        self._reindex()
        fresh = [u for u in generated if u['userPrincipalName'].lower() not in self._users_by_upn]
        self.users.extend(fresh)
        self._reindex()
        if spec.get('group'):
            self._upsert_group({'displayName': spec['group'], 'members': [u['id'] for u in generated]})
        return len(fresh)

    def _upsert_group(self, spec):
        name = spec['displayName']
        group = None
        for candidate in self.groups:
            if candidate['displayName'].lower() == name.lower():
                group = candidate
                break
        if group is None:
            nick = ''.join(ch for ch in name if ch.isalnum()) or 'group'
            group = {
                'id': spec.get('id') or seedmod.group_id(self.tenant_id, name),
                'displayName': name,
                'description': spec.get('description'),
                'mail': spec.get('mail'),
                'mailEnabled': bool(spec.get('mail')),
                'mailNickname': spec.get('mailNickname', nick),
                'securityEnabled': spec.get('securityEnabled', True),
                'groupTypes': spec.get('groupTypes', []),
                'members': [],
                'member_groups': [],
            }
            self.groups.append(group)
            self._groups_by_id[group['id'].lower()] = group
        member_ids = list(group['members'])
        seen = set(member_ids)
        for ref in spec.get('members', []):
            user = self.find_user(ref)
            if user is not None and user['id'] not in seen:
                seen.add(user['id'])
                member_ids.append(user['id'])
        group['members'] = member_ids
        for ref in spec.get('member_groups', []):
            sub = self.find_group_by_name(ref) or self.find_group(ref)
            if sub is not None and sub['id'] not in group['member_groups']:
                group['member_groups'].append(sub['id'])

    # ----- lookups ----------------------------------------------------------
    def find_user(self, key):
        key = key.lower()
        return self._users_by_id.get(key) or self._users_by_upn.get(key)

    def find_user_by(self, prop, value):
        """Index-backed equality lookups for the common $filter shapes."""
        value = value.lower()
        if prop == 'id':
            return self._users_by_id.get(value)
        if prop == 'userPrincipalName':
            return self._users_by_upn.get(value)
        if prop == 'mail':
            return self._users_by_mail.get(value)
        raise KeyError(prop)

    def find_group(self, key):
        return self._groups_by_id.get(key.lower())

    def find_group_by_name(self, name):
        for group in self.groups:
            if group['displayName'].lower() == name.lower():
                return group
        return None

    def find_app(self, client_id):
        return self.apps.get((client_id or '').lower())

    # ----- photos -------------------------------------------------------------
    def get_photo(self, uid):
        record = self.photos.get(uid.lower())
        if record is None or not record.get('present'):
            return None
        return record

    def photo_record(self, uid):
        return self.photos.get(uid.lower())

    def put_photo(self, uid, data, content_type, width, height):
        """Store bytes; every write gets fresh random ETags, even for identical bytes (as the service does)."""
        with self.lock:
            previous = self.photos.get(uid.lower()) or {}
            record = {
                'id': uid,
                'present': True,
                'content_type': content_type,
                'width': width,
                'height': height,
                'sha256': hashlib.sha256(data).hexdigest(),
                'size_bytes': len(data),
                'etag': secrets.token_hex(32),
                'media_etag': secrets.token_hex(4).upper(),
                'upload_count': previous.get('upload_count', 0) + 1,
                'updated': _now_iso(),
            }
            directory = os.path.join(self.state_dir, PHOTO_DIR)
            atomic_write(os.path.join(directory, uid + '.img'), data)
            atomic_write_json(os.path.join(directory, uid + '.json'), record)
            record['data'] = data
            self.photos[uid.lower()] = record
            return record

    def delete_photo(self, uid):
        with self.lock:
            record = self.photos.get(uid.lower())
            if record is None or not record.get('present'):
                return False
            record = dict(record, present=False, data=None, updated=_now_iso())
            self.photos[uid.lower()] = record
            directory = os.path.join(self.state_dir, PHOTO_DIR)
            atomic_write_json(os.path.join(directory, uid + '.json'), {k: v for k, v in record.items() if k != 'data'})
            try:
                os.unlink(os.path.join(directory, uid + '.img'))
            except FileNotFoundError:
                pass
            return True

    def set_settings(self, values):
        with self.lock:
            self.settings = dict(self.settings)
            self.settings.update(values)
            self.save_tenant()
            return dict(self.settings)
