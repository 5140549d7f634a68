"""Proposals from normalised resources: exchanges, shared equipment, pooling groups.

The matcher is a pure function over plain data (`data.types`): it never opens a
database, never imports Flask, and only ever sees the public partition.

    propose(resources, actors, taxonomy, *, history=None, settings=None, only_actor=None)
        → list[Proposal], by descending score then id
    prepare(resources, actors, taxonomy, settings=None) → MatchIndex, kept between calls of
    propose_for(index, actor_id, history=None) → one actor's proposals, as a full run gives them
    explain(proposal, taxonomy, actors, lang="fr", reveal=frozenset()) → str
    to_contract(proposal, actors_by_id, taxonomy, lang) → the `symbiose match --jsonl` line

Stages, one module each: `table` (numpy columns), `blocking` (node links and the
spatial grid), `comparators/*` (one part of the score per file), `scoring`,
`exchange` (exchanges, sharing, latent receivers), `pooling`, `engine`,
`explain`, `jsonl`.
"""
from .engine import MatchIndex, prepare, propose, propose_for
from .explain import explain
from .history import History
from .jsonl import to_contract
from .settings import MatcherSettings, SettingsError

__all__ = ["History", "MatchIndex", "MatcherSettings", "SettingsError", "explain", "prepare", "propose",
           "propose_for", "to_contract"]
