import io

import pytest
from django.core.management import CommandError, call_command

from compliance.models import ComplianceRun, Finding


def test_sweep_command_sync(test_rules, big_class):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "sweep",
        "--from",
        "2026-11-09",
        "--to",
        "2026-11-10",
        "--district",
        "110101",
        "--rule",
        test_rules.HEADCOUNT,
        "--sync",
        stdout=out,
        stderr=err,
    )
    run = ComplianceRun.objects.get()
    assert run.trigger == "cli" and run.state == "done"
    assert "new 2, still open 0, cleared 0" in out.getvalue()
    assert "1/1" in err.getvalue()  # the progress bar
    assert Finding.objects.count() == 2


def test_sweep_command_refuses_bad_input(test_rules):
    with pytest.raises(CommandError):
        call_command("sweep", "--from", "2026-11-10", "--to", "2026-11-09", "--sync", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "sweep", "--from", "2026-11-09", "--to", "2026-11-09", "--rule", "NOPE", "--sync", stdout=io.StringIO()
        )
