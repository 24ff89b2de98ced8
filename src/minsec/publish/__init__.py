"""Publishing the dataset in more formats than CSV, for people and programs that read them.

Each module writes one format from the table definitions (:func:`minsec.tables.tables`) and
the Data Package descriptor, so a new column or table appears in every format unchanged:

- ``parquet``: one typed Parquet file per table (needs the ``publish`` extra: pyarrow);
- ``sqlite``: one SQLite database with every table, its keys and indexes (standard library);
- ``datasette``: the ``metadata.json`` Datasette shows beside that database;
- ``jsonld``: the schema.org ``Dataset`` description search engines read;
- ``croissant``: the Croissant (ML Commons) description of the tables;
- ``zenodo``: the ``.zenodo.json`` that archives each tagged release with a DOI;
- ``downloads``: all of them together, as relative path to exact bytes.

Every writer returns bytes that depend only on the data (no clocks, no machine details),
so two builds of the same records are byte-identical.
"""
