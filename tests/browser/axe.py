"""axe-core (installed from package-lock.json by `make install`) run inside a page or frame.

from tests.browser.axe import assert_no_axe_violations
assert_no_axe_violations(page.frames[1])  # the tool's frame inside the course page
"""

from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Every rule axe runs by default (WCAG 2.x A/AA and best practices); only violations.
_RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
  }));
}"""


def axe_violations(target: Any) -> list[dict[str, Any]]:
    """axe-core's violations on a Playwright Page or Frame (injected once per document)."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core)")
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.add_script_tag(path=str(AXE_JS))
    violations: list[dict[str, Any]] = target.evaluate(_RUN)
    return violations


def assert_no_axe_violations(target: Any) -> None:
    """Fail listing every axe-core violation (rule, impact, the first nodes and why)."""
    violations = axe_violations(target)
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    ]
    assert not violations, f"{len(violations)} axe-core violation(s) on {target.url}:\n" + (
        "\n".join(lines)
    )
