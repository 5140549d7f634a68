"""The resource taxonomy: YAML files in this folder, loaded and validated once.

See README.md beside this file for the node format. `load_taxonomy()` reads every
`*.yaml` here, checks the whole tree (raising TaxonomyError listing every problem)
and returns an immutable `Taxonomy`. Facilitator-confirmed synonyms stored in the
database are merged with `Taxonomy.with_synonyms`.
"""
from .model import CAVEATS, DIMENSIONS, Node, Taxonomy
from .loader import TAXONOMY_DIR, load_taxonomy, parse_nodes

__all__ = ["CAVEATS", "DIMENSIONS", "TAXONOMY_DIR", "Node", "Taxonomy", "load_taxonomy", "parse_nodes"]
