from . import test_security_groups
from . import test_pos_serial_sale_tour
