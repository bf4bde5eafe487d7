from __future__ import annotations

import sys

from sluiceway.cli import main

sys.exit(main())
