"""`.env.example` documents every variable the settings read."""

import re

from tests.conftest import REPO


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (REPO / "smartnotes" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M)
    )

    missing = sorted(read - documented)
    assert not missing, f"add these to .env.example with a comment: {missing}"
