import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids, whatever Danish translations exist."""
    with translation.override("en"):
        yield
