from . import serial_recall
from . import serial_epcis
from . import serial_check
from . import serial_portal
