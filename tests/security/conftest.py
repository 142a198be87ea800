"""The security tests' summary: how many requests the permission matrix made and how many hostile
inputs the form fuzzer sent (the README quotes them)."""


def pytest_terminal_summary(terminalreporter):
    from .fuzz import FINDINGS, TRIED, server_errors
    from .permission_table import ASKED

    if ASKED:
        terminalreporter.write_line(
            f"Permission matrix: {sum(ASKED.values())} requests ({ASKED['GET']} GET, {ASKED['POST']} POST)."
        )
    if TRIED:
        forms = ", ".join(f"{name} {count}" for name, count in sorted(TRIED.items()))
        terminalreporter.write_line(
            f"Fuzzed forms: {sum(TRIED.values())} hostile inputs sent to {len(TRIED)} forms and lists ({forms})."
        )
        terminalreporter.write_line(
            f"Fuzzing found {server_errors()} server error(s) and {len(FINDINGS)} distinct problem(s)"
            + (":" if FINDINGS else ".")
        )
        for (name, *_), finding in FINDINGS.items():
            terminalreporter.write_line(f"  {name}: {finding.kind} x{finding.count} at {finding.where}: {finding.message}")
