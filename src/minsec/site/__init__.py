"""The static website: ``minsec site OUT/`` writes it, for people who don't write Python.

A home page, one page per record (deal, actor, commodity, event, claim, source), one page
per table (sortable and filterable in the browser, offline), and the download folder (CSV,
Parquet, SQLite, metadata). Pages are generated from the table definitions, so a new column
or table appears without code changes. No server, no external scripts or fonts: it works
from ``file://`` and on any static host. Templates and static files lie beside the code.
"""
