"""Imported at start-up by every Python subprocess a test launches (this folder is put first on
PYTHONPATH by tests/conftest.py): no network beyond this machine for them either."""

import no_network

no_network.block()
