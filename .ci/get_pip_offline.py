"""Offline stand-in for the get-pip bootstrap script ansible-test downloads.

ansible-test (sanity/units --venv) bootstraps pip in each of its virtual environments with a
script fetched from a host these machines cannot reach; it uses a cached copy when one exists
in ~/.ansible/test/cache/. This script does the same job with the interpreter's own ensurepip,
then installs the packages ansible-test asked for from the package registry pip is set up for.
"""

import subprocess
import sys

# get-pip only flags that pip install itself does not know.
GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}


def main():
    # In a subprocess: ensurepip in-process disables pip's configuration (e.g. a global cert= setting).
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
