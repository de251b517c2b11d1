from . import serial_state_change
