"""`make load` in small: the runner (tests/load/run.py) with a few users for a few seconds per scenario.

It runs in a process of its own, as `make load` does (Locust's gevent must not patch this one),
starts its own local shop (IAM-checked like the others: it inherits SHOP_IAM_CHECK), and its JSON
summary is what is checked: every scenario completed and reached each of its routes, and the
stock check found nothing oversold. Speed is not checked; figures are printed with `-s`.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.load.scenarios import SCENARIOS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_a_short_load_run_reaches_every_route_and_oversells_nothing(tmp_path, iam_check):
    summary_path = tmp_path / "summary.json"
    command = [sys.executable, "-m", "tests.load.run", "--users", "4", "--duration", "8s"]
    done = subprocess.run(
        [*command, "--summary", str(summary_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    summary = json.loads(summary_path.read_text())
    runs = {run["name"]: run for run in summary["scenarios"]}
    assert set(runs) == set(SCENARIOS)
    for name, scenario in SCENARIOS.items():
        run = runs[name]
        assert run["completed"], name
        assert run["missing_routes"] == [], name
        assert all(run["routes"][route]["requests"] > 0 for route in scenario.routes), name
    assert summary["oversold"] is False
    stock = summary["stock"]
    assert stock and all(check["problems"] == [] for check in stock)
    assert sum(check["checked_out"] for check in stock) > 0
