from . import test_security_groups
from . import test_serial_lifecycle
from . import test_serial_audit_line
from . import test_sold_once_concurrency
from . import test_serial_roles
from . import test_pos_serial_sync
from . import test_install_initialization
from . import test_pos_serial_tours
