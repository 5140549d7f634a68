"""One comparator per file, each scoring one visible part of a proposal in [0, 1].

Every comparator offers a vectorised function over numpy arrays (what the engine
uses on thousands of candidate pairs at once) and a scalar wrapper over it (what
the tests and explanations use), so both always agree.
"""
