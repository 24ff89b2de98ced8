"""minsec: minerals-for-security deals and the diplomatic events around them.

    >>> import minsec
    >>> deals = minsec.load_table("deals")                     # a pandas DataFrame, offline
    >>> deals = minsec.load_table("deals", version="0.1.0")    # as release 0.1.0 published it

Importing minsec is cheap: pandas and frictionless load only when a function needs them.
"""

from minsec._version import __version__
from minsec.load import data_path, load, load_table, package, records, table_names, versions

__all__ = ["__version__", "data_path", "load", "load_table", "package", "records", "table_names", "versions"]
