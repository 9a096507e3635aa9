import sys

from fake_tenant.cli import main

sys.exit(main())
