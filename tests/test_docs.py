"""The operator docs stay true: every variable config.py reads is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_config_variable_is_documented():
    source = (ROOT / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_(?:str|int|bool|list)\(env, "([A-Z0-9_]+)"', source))
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert len(names) > 40
    assert not missing, f"undocumented variables: {missing}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "make run" in head and "make test" in head
