"""Video tests use the fake TRTC peer on 127.0.0.1."""

from tests.support.fake_trtc import fake_trtc  # noqa: F401  (fixture)
