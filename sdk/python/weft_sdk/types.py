"""The weft record types (`weft:plugin/types`), under one name in both worlds.

componentize-py names the module `types` in the transform world and `weft_plugin_types` in the
connector world (where `wasi:http/types` is imported too).
"""
try:
    from wit_world.imports import weft_plugin_types as types
except ImportError:  # transform world
    from wit_world.imports import types  # type: ignore[no-redef]

__all__ = ["types"]
