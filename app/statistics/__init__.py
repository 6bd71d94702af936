"""Statistics: the figures the Supreme People's Court publishes, from a daily summary kept exact in the same
transaction as the cases it counts.

Other packages import only what `__all__` names: the modules listed (`from app.statistics import <module>`) and the
names re-exported below.
"""

__all__ = [
    "figures",
    "rollup",
]
