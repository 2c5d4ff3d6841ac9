"""Report the size of the gate matrix at the end of every run that included it."""


def pytest_terminal_summary(terminalreporter):
    import sys

    matrix = sys.modules.get("tests.access.gate.test_matrix")
    if matrix is not None and matrix.CHECKED["cases"]:
        terminalreporter.write_line(
            f"gate matrix: {matrix.CHECKED['cases']} cases checked "
            f"({len(matrix.ROLES)} roles x {len(matrix.CATEGORIES)} category pairs x paths)")
