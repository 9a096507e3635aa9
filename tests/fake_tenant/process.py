"""FakeTenantProcess: the CLI in a subprocess, for tests that need a real restart or kill."""

import json
import os
import signal
import subprocess
import sys
import time

from .admin_client import AdminClientMixin

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXIT_ADDRESS_IN_USE = 3


class FakeTenantProcess(AdminClientMixin):
    def __init__(self, state_dir, seed=None, autostart=True, startup_timeout=60, **options):
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        self.options = dict(options)
        self.seed_file = None
        if isinstance(seed, dict):
            self.seed_file = os.path.join(self.state_dir, 'seed-input.json')
            with open(self.seed_file, 'w', encoding='utf-8') as handle:
                json.dump(seed, handle)
        elif seed is not None:
            self.seed_file = os.path.abspath(seed)
        self.info_file = os.path.join(self.state_dir, 'process-info.json')
        self.log_file = os.path.join(self.state_dir, 'fake-tenant.log')
        self.startup_timeout = startup_timeout
        self.proc = None
        self.info = None
        self.graph_url = self.authority_host = self.ca_file = self.tenant_id = self.tenant_domain = None
        self.stats_url = self.pid = None
        if autostart:
            self.start()

    def _command(self, options):
        cmd = [sys.executable, '-m', 'fake_tenant', 'serve', '--state-dir', self.state_dir, '--info-file', self.info_file]
        if self.seed_file:
            cmd += ['--seed', self.seed_file]
        for key, value in sorted(options.items()):
            if value is not None:
                cmd += ['--' + key.replace('_', '-'), str(value)]
        return cmd

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return self
        self._spawn(self.options)
        return self

    def _spawn(self, options):
        try:
            os.unlink(self.info_file)
        except FileNotFoundError:
            pass
        env = dict(os.environ)
        env['PYTHONPATH'] = PACKAGE_PARENT + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
        with open(self.log_file, 'ab') as log:
            self.proc = subprocess.Popen(
                self._command(options),
                env=env,
                stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.time() + self.startup_timeout
        while time.time() < deadline:
            if os.path.exists(self.info_file):
                with open(self.info_file, 'rb') as handle:
                    info = json.loads(handle.read().decode('utf-8'))
                if info.get('pid') == self.proc.pid:
                    self._adopt(info)
                    return
            code = self.proc.poll()
            if code is not None:
                raise _StartError(code, self._log_tail())
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('fake tenant did not start within %ss:\n%s' % (self.startup_timeout, self._log_tail()))

    def _adopt(self, info):
        self.info = info
        for key in ('graph_url', 'authority_host', 'ca_file', 'tenant_id', 'tenant_domain', 'stats_url', 'pid'):
            setattr(self, key, info.get(key))

    def _log_tail(self):
        try:
            with open(self.log_file, 'rb') as handle:
                return handle.read()[-3000:].decode('utf-8', 'replace')
        except OSError:
            return ''

    def stop(self, timeout=20):
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def kill(self):
        """Hard crash (SIGKILL), e.g. to show that writes were already persisted."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def restart(self, **changes):
        """Stop and start on the same state dir, on the same ports when they are still free."""
        previous = self.info or {}
        self.stop()
        self.options.update(changes)
        options = dict(self.options)
        if previous:
            options.setdefault('graph_port', previous.get('graph_port'))
            options.setdefault('login_port', previous.get('login_port'))
        try:
            self._spawn(options)
        except _StartError as exc:
            if exc.code != EXIT_ADDRESS_IN_USE:
                raise
            options.pop('graph_port', None)
            options.pop('login_port', None)
            self._spawn(dict(self.options))
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class _StartError(RuntimeError):
    def __init__(self, code, log):
        super().__init__('fake tenant exited with %s during start-up:\n%s' % (code, log))
        self.code = code
