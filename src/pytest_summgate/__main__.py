"""``python -m pytest_summgate init``: see :mod:`pytest_summgate.init`."""

from __future__ import annotations

import sys

from .init import main

sys.exit(main())
