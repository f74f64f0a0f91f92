"""``python -m workbench``: the ``workbench`` command (see ``workbench.launcher``)."""

import sys

from workbench.launcher import main

sys.exit(main())
