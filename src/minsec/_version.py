"""The one version number of minsec: code, data and ``datapackage.json`` share it."""

__version__ = "0.2.0"

#: Release date of this version; the Data Package's ``created`` is derived from it so that
#: two builds of the same release are byte-identical.
RELEASE_DATE = "2026-12-01"
