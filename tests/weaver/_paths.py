"""Where the weaver tests' files are: data configs and network files in weaver's published
layouts."""

from pathlib import Path

CONFIGS = Path(__file__).parent / "configs"
NETWORKS = Path(__file__).parent / "networks"
