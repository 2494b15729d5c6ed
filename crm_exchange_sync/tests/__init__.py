from . import test_backend
from . import test_sync
from . import test_sync_engine
from . import test_backend_errors
from . import test_settings
from . import test_tour
