from . import serial_state_change
from . import serial_conflict_resolve
