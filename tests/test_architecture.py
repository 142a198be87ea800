"""The layers of the house (README, "Architecture"): the import contracts in `.importlinter` hold.

import-linter reads the real import graph of our packages, so a module that imports across a line it
must not cross fails this test with the offending import chain in the output."""

from pathlib import Path

from importlinter.cli import lint_imports

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold(monkeypatch, capsys):
    monkeypatch.chdir(PROJECT_ROOT)
    exit_code = lint_imports(config_filename=str(PROJECT_ROOT / ".importlinter"), no_cache=True, no_logo=True)
    output = capsys.readouterr().out
    assert exit_code == 0, output
    assert "0 broken" in output
