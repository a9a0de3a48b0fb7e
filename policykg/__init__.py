"""policykg: a knowledge graph of the fiches of French contrats de ville.

>>> import policykg
>>> policykg.__version__
'0.1.0'
"""

__version__ = "0.1.0"
