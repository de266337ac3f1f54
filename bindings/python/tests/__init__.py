"""The unittest suite of the mist package.

Run it from bindings/python with either of:

    python3 -m unittest
    python3 -m unittest discover -s tests

The test modules import their helpers as the top-level module _support,
so this directory goes on the import path when it is imported as a
package.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
