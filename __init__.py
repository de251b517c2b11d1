from . import models
from . import wizards
from .hooks import initialize_serial_states


def _post_init_hook(env):
    initialize_serial_states(env)
