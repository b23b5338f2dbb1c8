"""The state of the process: which backend is used, and the functions that read and switch it.

The module-level ``State`` object, the state functions (``configure_backend``,
``get_maintenance_mode``, ``set_maintenance_mode``, ...) and the override blocks.
"""
