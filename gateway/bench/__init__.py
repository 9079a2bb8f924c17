"""``gateway bench``: a realistic dataset, the gateway under wrk, peers, one report.

Modules: ``dataset`` builds (or reuses) the benchmark database, ``scenarios`` holds the queries and
request bodies, ``wrk`` drives load and parses its output, ``servers`` starts and stops the
processes under test, ``naive`` and ``postgraphile`` are the baselines, ``report`` prints the
table and the final JSON line, and ``run`` ties them together.
"""
