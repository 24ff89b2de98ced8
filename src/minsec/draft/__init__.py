"""``minsec draft``: read one article and propose the records it supports, each with a verbatim quote.

Pure Python rules over gazetteers kept as data files in ``data/`` (reviewable, not code), so
drafting is offline, deterministic and needs no extra dependency. One module per job:

- ``article``: read the text, split it into sentences with character offsets, find the header;
- ``gazetteer``: load the data files and the project's own actors and commodities;
- ``mentions``: find states, persons, organisations, outlets and commodities in the text;
- ``dates``: absolute and relative dates, resolved against the article's date;
- ``quantities``: amounts with currency, percentages, tonnages;
- ``source``, ``deals``, ``events``, ``claims``: propose records of each kind;
- ``ids``: match existing records and mint new ids by the project's conventions;
- ``proposal``: assemble everything; ``formats``: text, YAML and JSON output; ``write``: files;
- ``marker``: the review marker that ``minsec validate`` refuses (imported by the validator).
"""
