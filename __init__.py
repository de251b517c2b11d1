from . import models
from . import wizards
from .hooks import initialize_serial_states, remove_schema_objects


def _post_init_hook(env):
    initialize_serial_states(env)


def _uninstall_hook(env):
    remove_schema_objects(env)
