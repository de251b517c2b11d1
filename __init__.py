from . import controllers
from . import models
from . import report
from . import wizards
from .hooks import initialize_serial_states, remove_schema_objects
from .tools.serial_state_counts import counting_paused


def _post_init_hook(env):
    # the lots already there get their states in one statement: the dashboard counts
    # them once, after, not lot by lot through its row trigger
    with counting_paused(env.cr):
        initialize_serial_states(env)


def _uninstall_hook(env):
    remove_schema_objects(env)
