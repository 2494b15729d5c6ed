from . import backends
from . import models
