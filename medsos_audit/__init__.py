"""medsos-audit: the application shell (command line, settings, run records, delivery).

The data stages live in the top-level packages extract/, transform/, checks/ and warehouse/.
"""

__version__ = "0.1.0"
