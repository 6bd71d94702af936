"""The 12368 hotline: an operator records a call and may file a case for the caller, who claims it by SMS code.

Other packages import only what `__all__` names: the modules listed (`from app.hotline import <module>`) and the
names re-exported below.
"""

from app.hotline.models import HotlineCall

__all__ = [
    "HotlineCall",
    "calls",
]
