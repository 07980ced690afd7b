"""The last step of .ci/run: pytest exits 0 when every test it ran passed, including when it ran
tests that skipped themselves or were expected to fail. In CI nothing may be skipped and at least
one test must have run. Reads the JUnit XML pytest wrote (``--junitxml``); exits 1 with the
reasons when the run does not count, 0 otherwise.

    python3.11 .ci/check_results.py var/ci/junit.xml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def problems(junit_xml: Path) -> list[str]:
    """What makes this run not count: no tests, or tests that skipped, xfailed, failed."""
    if not junit_xml.exists():
        return [f"{junit_xml} is missing: pytest did not finish"]
    cases = list(ET.parse(junit_xml).getroot().iter("testcase"))
    if not cases:
        return ["no tests ran"]
    found = []
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        for outcome in ("skipped", "failure", "error"):
            for element in case.iter(outcome):
                found.append(f"{outcome}: {name}: {element.get('message', '')}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    junit_xml = Path(argv[1])
    found = problems(junit_xml)
    for line in found:
        print(f"ci: {line}", file=sys.stderr)
    if found:
        print(f"ci: {len(found)} problem(s): the run does not count", file=sys.stderr)
        return 1
    cases = len(list(ET.parse(junit_xml).getroot().iter("testcase")))
    print(f"ci: {cases} tests ran, none skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
