"""The review desk (issue 10): branch staff confirm, dismiss or escalate findings on a web page.

The desk keeps its own SQLite store and reads findings from a read-only copy of the warehouse
(``app.create_app``); the pipeline imports the desk's decisions with
``sync.import_decisions``. Nothing is imported here, so the pipeline's import of ``sync`` does
not pull in the web framework.
"""
