from . import serial_recall
from . import serial_epcis
