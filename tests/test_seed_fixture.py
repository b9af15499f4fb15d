"""The raw seed note is kept in the tests byte for byte, defects included."""

from __future__ import annotations

import hashlib

from tests.conftest import SEED


def test_seed_fixture_is_the_raw_seed_byte_for_byte() -> None:
    data = SEED.read_bytes()
    # a line-ending conversion, an encoding "repair" or an added final newline would change the digest
    assert hashlib.sha256(data).hexdigest() == "4c58773b30a000eb3b04c68f96d10fa99370d28cc3ec25e4789a64ebce9c6bc9"
    assert "â€“".encode() in data and b"\r\n" not in data and not data.endswith(b"\n")
