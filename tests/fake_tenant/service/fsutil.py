"""Small file helpers shared by the state-keeping modules."""

import json
import os
import tempfile


def atomic_write(path, data, private=False):
    """Write bytes so that readers see either the old or the new file, never half of one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        if private:
            os.chmod(tmp, 0o600)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path, obj, private=False):
    atomic_write(path, json.dumps(obj, indent=None, separators=(',', ':')).encode('utf-8'), private=private)


def read_json(path, default=None):
    try:
        with open(path, 'rb') as handle:
            return json.loads(handle.read().decode('utf-8'))
    except FileNotFoundError:
        return default
