from . import serial_epcis
