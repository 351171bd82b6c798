"""A Python connector that misbehaves on purpose, to prove the sandbox contains interpreted guests.

Config `mode` selects what `check()` does: `ok`, `loop` (spins forever), `memory` (grows a list
of 1 MiB buffers forever), `trap` (an unhandled exception), `recursion` (unbounded recursion).
"""
import weft_sdk as weft


def recurse(n):
    return recurse(n + 1) + 1


class Connector(weft.ConnectorBase):
    def describe(self):
        return weft.plugin_info("hostile-py", "0.1.0", "misbehaves on purpose", entities=[weft.types.Entity.CUSTOMER])

    def check(self):
        mode = weft.config.get("mode") or "ok"
        if mode == "ok":
            return
        if mode == "loop":
            i = 0
            while True:
                i += 1
        if mode == "memory":
            hoard = []
            while True:
                hoard.append(bytearray(1 << 20))
        if mode == "trap":
            raise RuntimeError("hostile plugin raises on purpose")
        if mode == "recursion":
            recurse(0)
        raise weft.invalid("mode", f"unknown mode {mode}")
