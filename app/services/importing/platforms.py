"""Which reader reads which platform's export, and one call that imports a file."""

from collections.abc import Callable, Iterator
from typing import IO

from app.services.importing import commento, disqus, isso, wordpress
from app.services.importing.loader import Loader, Options, Report
from app.services.importing.records import Platform, Record

READERS: dict[Platform, Callable[[IO[bytes]], Iterator[Record]]] = {
    Platform.wordpress: wordpress.read,
    Platform.disqus: disqus.read,
    Platform.isso: isso.read,
    Platform.commento: commento.read,
}


def import_file(raw: IO[bytes], options: Options) -> Report:
    """Import an open export file of `options.platform`; committed in batches, or rolled back in a dry run."""
    loader = Loader(options)
    loader.feed(READERS[options.platform](raw))
    return loader.finish()
