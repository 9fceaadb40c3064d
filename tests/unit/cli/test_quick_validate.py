"""``rehearsal validate FILE...`` answers without loading Typer or Rich: it is what editors
and CI call most, and the time to load them is an eighth of its answer."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLES, ROOT

QUICK = f"""
import json, sys
sys.argv = ["rehearsal", "validate", {str(EXAMPLES / "webshop" / "profile.yaml")!r}]
from rehearsal.cli.main import main
try:
    main()
except SystemExit as exited:
    print(json.dumps([exited.code, sorted({{m.split(".")[0] for m in sys.modules}})]))
"""


def test_the_quick_validate_loads_neither_typer_nor_rich() -> None:
    done = subprocess.run(
        [sys.executable, "-c", QUICK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    code, loaded = json.loads(done.stdout.splitlines()[-1])
    assert done.stdout.splitlines()[0] == "1 file(s) valid"
    assert code == 0
    assert not {"typer", "click", "rich"} & set(loaded)
