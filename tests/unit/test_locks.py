"""The lock files install on every Python 3.11 release, not only on the one they were compiled on.

pip-compile resolves for the interpreter it runs on: a dependency a package needs only on earlier 3.11 releases
(redis needs async-timeout before 3.11.3) is left out, and `pip install --require-hashes` then refuses the lock on
such a release, as on Debian 12's python3.11 (3.11.2), the interpreter docs/deploy.md recommends. For every
package in a lock, each dependency its installed metadata declares for some 3.11 release must be in that lock.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)
RELEASES = ["3.11.0", "3.11.2", "3.11.3", "3.11.9", "3.11.14"]


def _pinned(lock: str) -> set[str]:
    return {canonicalize_name(name) for name in PINNED.findall((REPO / lock).read_text())}


def _needed_on(release: str, requirement: Requirement) -> bool:
    """Whether the requirement applies on this 3.11 release (Linux, no extra asked for)."""
    if requirement.marker is None:
        return True
    environment = {**default_environment(), "python_full_version": release, "python_version": "3.11", "extra": ""}
    return requirement.marker.evaluate(environment)


def missing_from(lock: str) -> dict[str, list[str]]:
    """{dependency: [the locked packages that need it on some 3.11 release]} for what the lock lacks."""
    pinned, missing = _pinned(lock), {}
    for name in sorted(pinned):
        try:
            declared = distribution(name).requires or []
        except PackageNotFoundError:  # a lock's package not installed here cannot be read
            continue
        for line in declared:
            requirement = Requirement(line)
            wanted = canonicalize_name(requirement.name)
            if wanted not in pinned and any(_needed_on(release, requirement) for release in RELEASES):
                missing.setdefault(wanted, []).append(name)
    return missing


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_dependency_any_3_11_release_needs_is_in_the_lock(lock):
    assert missing_from(lock) == {}


def test_redis_needs_async_timeout_before_3_11_3():
    """What the check catches: the lock compiled on 3.11.7 lacked it, and Debian 12's 3.11.2 needs it."""
    requirement = next(Requirement(r) for r in distribution("redis").requires or [] if r.startswith("async-timeout"))
    assert _needed_on("3.11.2", requirement)
    assert not _needed_on("3.11.7", requirement)
