"""An instaloader context that can never make a request, for reading saved structures."""

from __future__ import annotations

from typing import Any, NoReturn

import instaloader


class RequestRefusedError(RuntimeError):
    """Something tried to reach Instagram while reading saved files (a bug in the importer)."""


class OfflineContext(instaloader.InstaloaderContext):
    """instaloader's context with every network entry point replaced by a loud failure.

    Import builds Post/Profile objects with it through ``instaloader.load_structure`` so field
    semantics are instaloader's own; a property that would fetch raises instead of fetching.
    """

    def __init__(self) -> None:
        super().__init__(sleep=False, quiet=True)
        self._session.close()

    def _refuse(self, what: str) -> NoReturn:
        raise RequestRefusedError(f"import must not reach Instagram (attempted {what})")

    def get_json(self, path: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse(f"get_json {path}")

    def graphql_query(self, query_hash: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("graphql_query")

    def doc_id_graphql_query(self, doc_id: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("doc_id_graphql_query")

    def get_iphone_json(self, path: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse(f"get_iphone_json {path}")

    def get_page_data(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("get_page_data")

    def head(self, url: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse(f"head {url}")

    def get_raw(self, url: str, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse(f"get_raw {url}")
