"""Virtual BLE hr sensor on a bumble transport: `python devices/virtual_hr.py --help`."""

from __future__ import annotations

import sys

from stridecheck.live.standalone import main

if __name__ == "__main__":
    sys.exit(main("hr"))
