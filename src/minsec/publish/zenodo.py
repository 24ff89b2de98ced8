"""``.zenodo.json``: what Zenodo records when it archives a tagged release and gives it a DOI.

Zenodo reads this file from the repository at each GitHub release (in preference to
CITATION.cff); every value comes from the Data Package descriptor and ``_version.py``.
"""

import html

from minsec import descriptor
from minsec._version import RELEASE_DATE, __version__

FILE_NAME = ".zenodo.json"


def zenodo() -> dict:
    """The deposit metadata of the current version."""
    return {
        "title": descriptor.TITLE,
        "upload_type": "dataset",
        "description": f"<p>{html.escape(descriptor.DESCRIPTION)}</p>",
        "version": __version__,
        "publication_date": RELEASE_DATE,
        "creators": [{"name": "minsec contributors"}],
        "access_right": "open",
        "license": descriptor.LICENSE["name"].lower(),
        "keywords": descriptor.KEYWORDS,
    }
