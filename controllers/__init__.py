from . import serial_recall
