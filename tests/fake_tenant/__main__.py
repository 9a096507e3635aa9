import importlib.util
import sys

# (import name, package to install): checked before anything imports them, so a Python without
# them gets one sentence instead of a traceback.
REQUIRED = (('cryptography', 'cryptography'), ('jwt', 'PyJWT'), ('PIL', 'Pillow'))

missing = [package for module, package in REQUIRED if importlib.util.find_spec(module) is None]
if missing:
    sys.stderr.write(
        'fake_tenant: this Python (%s) lacks the package%s %s; run the fake tenant with the project virtualenv instead, '
        'e.g. make setup && PYTHONPATH=tests .venv/bin/python -m fake_tenant serve --state-dir DIR (make demo does this).\n'
        % (sys.executable, 's' if len(missing) > 1 else '', ', '.join(missing))
    )
    sys.exit(2)

from fake_tenant.cli import main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(main())
