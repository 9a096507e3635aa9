"""A throw-away OpenLDAP directory for the hybrid end-to-end test (docs/hybrid.md, playbook 1).

``slapd`` (Debian package ``slapd``) runs as a child process on a free loopback port with a
temporary ``slapd.conf``: the standard core, cosine and inetorgperson schemas plus
``ldap/ad-photo.schema``, which defines Active Directory's own ``userPrincipalName`` and
``thumbnailPhoto`` (OpenLDAP has no AD schema). Entries are loaded and changed with the
ldap-utils command line tools, the way an administrator would.

``unavailable()`` says why the test cannot run on this machine (the Makefile installs what it
needs where it can); the test is then skipped with that reason, never silently.
"""

import base64
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AD_SCHEMA = os.path.join(HERE, 'ldap', 'ad-photo.schema')
SCHEMA_DIRS = ('/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema')
SLAPD_PATHS = ('/usr/sbin/slapd', '/usr/libexec/slapd', '/usr/local/libexec/slapd')
MODULE_DIRS = ('/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/libexec/openldap', '/usr/local/libexec/openldap')
STANDARD_SCHEMAS = ('core.schema', 'cosine.schema', 'inetorgperson.schema')
SUFFIX = 'dc=contoso,dc=example'
ADMIN_DN = 'cn=admin,' + SUFFIX
ADMIN_PASSWORD = 'ldap-test-admin'
PEOPLE_DN = 'ou=Staff,' + SUFFIX
# How long slapd may take to answer its first search (a readiness wait, not an assertion).
START_TIMEOUT = 30


def _slapd_binary():
    for path in SLAPD_PATHS + ((shutil.which('slapd') or ''),):
        if path and os.access(path, os.X_OK):
            return path
    return None


def _mdb_config():
    """slapd.conf lines that make the mdb backend available (a module on Debian), or None.

    mdb, not the simpler built-in ldif backend: ldap_search's page_size sends the paged-results
    control as critical, and only mdb implements it, as Active Directory does."""
    binary = _slapd_binary()
    if not binary:
        return None
    version = subprocess.run([binary, '-VVV'], capture_output=True, text=True, check=False)
    # "Included static backends:" is followed by one indented name per line.
    listing = (version.stdout + version.stderr).split('Included static backends:', 1)[-1]
    if 'mdb' in [line.strip() for line in listing.splitlines() if line.startswith((' ', '\t'))]:
        return ''
    for directory in MODULE_DIRS:
        if os.path.exists(os.path.join(directory, 'back_mdb.so')) or os.path.exists(os.path.join(directory, 'back_mdb.la')):
            return 'modulepath %s\nmoduleload back_mdb\n' % directory
    return None


def _schema_dir():
    for directory in SCHEMA_DIRS:
        if all(os.path.isfile(os.path.join(directory, name)) for name in STANDARD_SCHEMAS):
            return directory
    return None


def community_general_path():
    """The ansible_collections directory that holds community.general (from the `ansible` package), or None."""
    spec = importlib.util.find_spec('ansible_collections.community.general')
    if spec is None or not spec.submodule_search_locations:
        return None
    general = list(spec.submodule_search_locations)[0]
    if not os.path.isfile(os.path.join(general, 'plugins', 'modules', 'ldap_search.py')):
        return None
    return os.path.dirname(os.path.dirname(general))


def unavailable():
    """Why the LDAP end-to-end test cannot run here, or None when it can."""
    missing = []
    if not _slapd_binary():
        missing.append('slapd (Debian package slapd)')
    if not _schema_dir():
        missing.append('the OpenLDAP core/cosine/inetorgperson schemas (Debian package slapd)')
    if _slapd_binary() and _mdb_config() is None:
        missing.append("slapd's mdb backend (back_mdb, Debian package slapd)")
    for tool in ('ldapadd', 'ldapmodify', 'ldapsearch'):
        if not shutil.which(tool):
            missing.append('%s (Debian package ldap-utils)' % tool)
    if importlib.util.find_spec('ldap') is None:
        missing.append('python-ldap in %s (requirements-ldap.txt; it builds against libldap2-dev and libsasl2-dev)' % sys.prefix)
    if community_general_path() is None:
        missing.append('community.general with ldap_search (the `ansible` package in requirements-dev.txt)')
    if not missing:
        return None
    return 'LDAP end-to-end test needs %s; `make setup` installs them as root with apt-get' % ', '.join(missing)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def ldif_entry(dn, attributes):
    """LDIF text of one entry; bytes values are written base64 (``attr:: ...``)."""
    lines = ['dn: %s' % dn]
    for name, values in attributes.items():
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, bytes):
                lines.append('%s:: %s' % (name, base64.b64encode(value).decode('ascii')))
            else:
                lines.append('%s: %s' % (name, value))
    return '\n'.join(lines) + '\n'


class Slapd:
    """One slapd process with its own configuration and database under ``workdir``."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.process = None
        self.uri = None
        self.log_path = os.path.join(self.workdir, 'slapd.log')

    # -- lifecycle ---------------------------------------------------------------------------

    def _write_config(self):
        schema_dir = _schema_dir()
        database = os.path.join(self.workdir, 'db')
        os.makedirs(database, exist_ok=True)
        includes = [os.path.join(schema_dir, name) for name in STANDARD_SCHEMAS] + [AD_SCHEMA]
        config = os.path.join(self.workdir, 'slapd.conf')
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write(''.join('include %s\n' % path for path in includes))
            handle.write('pidfile %s\n' % os.path.join(self.workdir, 'slapd.pid'))
            handle.write('argsfile %s\n' % os.path.join(self.workdir, 'slapd.args'))
            handle.write(_mdb_config())
            handle.write('database mdb\n')
            handle.write('maxsize 67108864\n')
            handle.write('directory %s\n' % database)
            handle.write('suffix "%s"\n' % SUFFIX)
            handle.write('rootdn "%s"\n' % ADMIN_DN)
            handle.write('rootpw %s\n' % ADMIN_PASSWORD)
        return config

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        config = self._write_config()
        test = subprocess.run([_slapd_binary(), '-T', 'test', '-u', '-f', config], capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise RuntimeError('slaptest rejected the test configuration:\n%s' % test.stderr)
        last_error = None
        for _attempt in range(5):
            self.uri = 'ldap://127.0.0.1:%d' % _free_port()
            log = open(self.log_path, 'ab')  # noqa: SIM115 - kept open for the child's lifetime
            # -d 0: stay in the foreground (a child we can stop), no debug output.
            self.process = subprocess.Popen(
                [_slapd_binary(), '-d', '0', '-f', config, '-h', self.uri], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            log.close()
            last_error = self._wait_ready()
            if last_error is None:
                self._load_base()
                return self
            self.stop()
        raise RuntimeError('slapd did not start: %s\n%s' % (last_error, self._log_tail()))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return 'slapd exited with %s' % self.process.returncode
            probe = subprocess.run(
                ['ldapsearch', '-x', '-H', self.uri, '-b', '', '-s', 'base', '-LLL', 'namingContexts'],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0:
                return None
            time.sleep(0.1)
        return 'no answer on %s within %d s' % (self.uri, START_TIMEOUT)

    def _log_tail(self):
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as handle:
                return handle.read()[-2000:]
        except OSError:
            return ''

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    # -- content -----------------------------------------------------------------------------

    def _tool(self, command, ldif):
        completed = subprocess.run(
            [command, '-x', '-H', self.uri, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD],
            input=ldif,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError('%s failed (%d): %s' % (command, completed.returncode, completed.stderr.strip()))

    def _load_base(self):
        self._tool(
            'ldapadd',
            ldif_entry(SUFFIX, {'objectClass': ['dcObject', 'organization'], 'dc': 'contoso', 'o': 'Contoso'})
            + '\n'
            + ldif_entry(PEOPLE_DN, {'objectClass': 'organizationalUnit', 'ou': 'Staff'}),
        )

    def user_dn(self, name):
        return 'cn=%s,%s' % (name, PEOPLE_DN)

    def add_user(self, name, upn, photo=None):
        """An inetOrgPerson with AD's userPrincipalName and, when given, thumbnailPhoto (bytes)."""
        attributes = {
            'objectClass': ['inetOrgPerson', 'm365PhotosADUser'],
            'cn': name,
            'sn': name.capitalize(),
            'userPrincipalName': upn,
        }
        if photo is not None:
            attributes['thumbnailPhoto'] = photo
        self._tool('ldapadd', ldif_entry(self.user_dn(name), attributes))

    def set_photo(self, name, photo):
        """Replace a user's thumbnailPhoto, as Set-ADUser -Replace @{thumbnailPhoto=...} would."""
        ldif = 'dn: %s\nchangetype: modify\nreplace: thumbnailPhoto\nthumbnailPhoto:: %s\n' % (
            self.user_dn(name),
            base64.b64encode(photo).decode('ascii'),
        )
        self._tool('ldapmodify', ldif)
