"""Fail unless the JUnit report shows tests that ran, with no failures and nothing skipped."""

import sys
import xml.etree.ElementTree as ET

suites = ET.parse(sys.argv[1]).getroot()
suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
assert suite is not None, "no testsuite in the report"
counts = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
print(f"{sys.argv[1]}: {counts}")
if counts["tests"] == 0:
    sys.exit("no test ran")
if counts["failures"] or counts["errors"]:
    sys.exit("tests failed")
if counts["skipped"]:
    sys.exit("skipped tests do not count as passing: make them run")
