"""``python -m jetxai`` is the ``jetxai`` command."""

from __future__ import annotations

import sys

from jetxai.cli.main import main

sys.exit(main())
