#!/usr/bin/env python3
"""Checks ops/grafana/consent-gateway.json: valid JSON, the datasource and integration variables,
every panel on ${datasource}, and every expression valid PromQL (promtool parses them as recording
rules, with the dashboard's variables replaced by plain values). Which metric names the
expressions use is OpsRulesIT's job: it compares them with what the gateway exports.

Usage: check-dashboard.py DASHBOARD.json   (needs promtool on the PATH)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# what Grafana substitutes before the query reaches Prometheus
VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "6h",
    "$integration": ".*",
    "$instance": ".*",
    "$actito_calls_per_minute": "100",
}


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def substitute(expr):
    for name in sorted(VARIABLES, key=len, reverse=True):
        expr = expr.replace(name, VARIABLES[name]).replace("${" + name[1:] + "}", VARIABLES[name])
    left = re.findall(r"\$\{?\w+", expr)
    if left:
        raise SystemExit(f"unknown dashboard variable {left} in: {expr}")
    return expr


def main(path):
    with open(path) as f:
        dashboard = json.load(f)
    problems = []
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource" or variables["datasource"].get("query") != "prometheus":
        problems.append("no Prometheus datasource variable named 'datasource'")
    if "integration" not in variables:
        problems.append("no 'integration' variable")
    exprs = []
    for panel in panels(dashboard.get("panels", [])):
        if panel.get("type") == "row":
            continue
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {panel.get('title')!r} is not on ${{datasource}}")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"panel {panel.get('title')!r} has no query")
        for target in targets:
            exprs.append((panel.get("title"), target["expr"]))
    if problems:
        raise SystemExit("\n".join(problems))

    # promtool parses each expression as the expr of a recording rule
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for i, (title, expr) in enumerate(exprs):
        lines.append(f"      - record: dashboard:expr_{i}")
        lines.append("        expr: " + json.dumps(substitute(expr)))
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
        rules.write("\n".join(lines) + "\n")
    try:
        result = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
    finally:
        os.unlink(rules.name)
    if result.returncode != 0:
        raise SystemExit("dashboard expressions that are not valid PromQL:\n" + result.stdout + result.stderr)
    graphs = sum(1 for p in panels(dashboard['panels']) if p.get('type') != 'row')
    print(f"{path}: {len(exprs)} expressions in {graphs} panels: OK")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ops/grafana/consent-gateway.json")
