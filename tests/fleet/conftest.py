"""Fleet tests: worker processes sharing PostgreSQL state against one emulated account."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (1280, 720), (40, 90, 160)).save(path)
    return path
