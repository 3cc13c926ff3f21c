"""The test suite (pytest): folders mirror the packages; docs/architecture.md#tests."""

import os

# pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment: rich's
# consoles, made when ditep_cli is imported, would keep that width, and a test asking for a
# wider one (CliRunner.invoke(..., env={"COLUMNS": "200"})) would not get it. A worker reads
# the size as a single pytest process does.
if "PYTEST_XDIST_WORKER" in os.environ:
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)
