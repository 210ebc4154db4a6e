"""kalib, the Key Account Sales Lab: the key-account (大客户) sales method as analyses,
charts, live tools and reports over a client's data.

Modules follow the method: :mod:`kalib.config` (the method's numbers),
:mod:`kalib.schema` and :mod:`kalib.io` (a client's data in), :mod:`kalib.client`,
then one module per layer of analysis, :mod:`kalib.charts`, :mod:`kalib.widgets`
and :mod:`kalib.report`.  Importing kalib changes no global setting.
"""

from .client import Client, ClientMeta, InputError, MissingData, Period, Problem, parse_period
from .config import Config, default_config

__version__ = "0.1.0"

__all__ = [
    "Client",
    "ClientMeta",
    "Config",
    "InputError",
    "MissingData",
    "Period",
    "Problem",
    "default_config",
    "load_client",
    "parse_period",
    "__version__",
]


def load_client(source, **kwargs):
    """Load a client folder, workbook, or ``"demo"``; see :func:`kalib.io.load_client`."""
    from .io import load_client as _load

    return _load(source, **kwargs)
