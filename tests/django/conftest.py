import pytest


@pytest.fixture(autouse=True)
def _demo_rate_unlimited(settings):
    """Tests post the demo many times a minute; the rate-limit test sets its own."""
    settings.SMARTNOTES_DEMO_RATE_PER_MINUTE = 10_000
