"""What the facilitator decided before, as plain data the matcher learns from."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

NodePair = tuple[str, str]  # (offer node, need node); (node, node) for pooling; need "" when latent


@dataclass
class History:
    """Past decisions of a territory's facilitator.

    - `rejected`: proposal id → fingerprint of the facts it was computed from when it
      was rejected. A rejected proposal comes back only when those facts change.
    - `realised_node_pairs` / `rejected_node_pairs`: how often an exchange between
      these two kinds of resource was realised or rejected; they raise or lower the
      history part of later proposals on the same pair of nodes.
    """

    rejected: dict[str, str] = field(default_factory=dict)
    realised_node_pairs: Counter[NodePair] = field(default_factory=Counter)
    rejected_node_pairs: Counter[NodePair] = field(default_factory=Counter)

    def is_rejected(self, proposal_id: str, fingerprint: str) -> bool:
        return self.rejected.get(proposal_id) == fingerprint
