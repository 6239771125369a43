"""`livechat-mcp policy`: the effective policy and each tool's decision."""

from __future__ import annotations

import json

from ...calls.runtime import Runtime


def run(runtime: Runtime, as_json: bool) -> int:
    from ...meta.reports import policy_report

    report = policy_report(runtime)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    p = report["policy"]
    print(f"policy: {runtime.policy_source}")
    for key in ("mode", "allow_destructive", "confirm", "toolsets", "discovery", "allow_tools", "deny_tools", "reveal_secrets", "max_batch_size"):
        print(f"  {key}: {p[key]}")
    scopes = report["scopes_in_force"]
    print(f"  scopes: {'not filtered' if scopes is None else ', '.join(scopes)} ({report['scopes_source']})")
    width = max(len(n) for n in report["tools"])
    for name, d in report["tools"].items():
        print(f"{name:<{width}}  {d['decision']:<8} {d['rule']:<17} {d['reason']}")
    return 0
