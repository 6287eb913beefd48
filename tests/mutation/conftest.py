import sys
from pathlib import Path

# tools/mutation/run.py runs as a script next to its modules; its tests import them the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "mutation"))
