"""The taxonomy files: a consistent tree, real codes, bilingual leaves, enough coverage."""
from __future__ import annotations

import csv

import pytest

from data import TaxonomyError
from data.taxonomy import load_taxonomy, parse_nodes
from data.taxonomy.model import ROOTS


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def low_reference(dev_data):
    with open(dev_data.parent / "reference" / "ewc_fr_en_merged.csv", encoding="utf-8") as fh:
        return {row["code"]: row["hazardous"] == "1" for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def nace_divisions(dev_data):
    with open(dev_data.parent / "reference" / "naf_rev2_subclasses_fr_with_nace_en.csv", encoding="utf-8") as fh:
        return {row["nace_division"] for row in csv.DictReader(fh)}


def test_size_and_coverage(taxonomy):
    assert len(taxonomy) >= 300
    assert len(taxonomy.low_codes()) >= 150
    assert taxonomy.relation_count() >= 250
    assert {n.root for n in taxonomy} == set(ROOTS)


def test_every_list_of_waste_code_is_real_and_hazard_flag_matches(taxonomy, low_reference):
    for node in taxonomy:
        for code in node.low:
            assert code in low_reference, f"{node.id}: {code} is not in the European List of Waste"
        if node.low:
            assert node.hazardous == low_reference[node.low[0]], f"{node.id}: hazardous flag differs from {node.low[0]}"


def test_every_nace_division_is_real(taxonomy, nace_divisions):
    for node in taxonomy:
        for division in node.naf_uses + node.naf_produces:
            assert division in nace_divisions, f"{node.id}: NACE division {division} does not exist"


def test_leaves_are_bilingual_and_described(taxonomy):
    for node in taxonomy.leaves():
        assert node.label_fr and node.label_en and node.desc_fr and node.desc_en, node.id
        assert len(node.syn_fr) >= 2 and node.syn_en, node.id
        assert node.dimension, node.id


def test_relations_point_to_existing_nodes(taxonomy):
    for node in taxonomy:
        for target in node.uses:
            assert target in taxonomy, f"{node.id} uses {target}"
        assert node.parent is None or node.parent in taxonomy


def test_hazardous_nodes_carry_the_caveat(taxonomy):
    for node in taxonomy:
        if node.hazardous:
            assert "hazardous" in node.caveats, node.id


def test_used_as_inherits_from_ancestors():
    tax = parse_nodes([
        ("t", {"id": "material", "label_fr": "M", "label_en": "M", "dimension": "mass", "uses": []}),
        ("t", {"id": "material.a", "label_fr": "A", "label_en": "A", "uses": ["material.c"]}),
        ("t", {"id": "material.a.b", "label_fr": "B", "label_en": "B", "desc_fr": "b", "desc_en": "b",
               "syn_fr": ["b1", "b2"], "syn_en": ["b"]}),
        ("t", {"id": "material.c", "label_fr": "C", "label_en": "C", "desc_fr": "c", "desc_en": "c",
               "syn_fr": ["c1", "c2"], "syn_en": ["c"]}),
    ])
    assert tax.used_as("material.a.b") == {"material.c"}
    assert tax.ancestors("material.a.b") == ["material.a", "material"]


def test_problems_are_all_listed_with_their_file():
    with pytest.raises(TaxonomyError) as info:
        parse_nodes([
            ("x.yaml", {"id": "material", "label_fr": "M", "label_en": "M"}),
            ("x.yaml", {"id": "material.a", "label_fr": "A", "label_en": "", "low": ["12345"], "uses": ["material.zz"]}),
            ("y.yaml", {"id": "material", "label_fr": "M", "label_en": "M"}),
            ("y.yaml", {"id": "gadget.b", "label_fr": "B", "label_en": "B"}),
        ])
    message = str(info.value)
    for fragment in ("label_en is required", "'12345' must be six digits", "'hazardous' (true/false) is required",
                     "uses target 'material.zz' is not defined", "already defined in x.yaml", "parent 'gadget' is not defined",
                     "a leaf needs at least two syn_fr"):
        assert fragment in message


def test_database_synonyms_extend_a_node(taxonomy):
    node = taxonomy.leaves()[0]
    extended = taxonomy.with_synonyms([(node.id, "fr", "mot du terroir"), ("no.such.node", "fr", "x")])
    assert "mot du terroir" in extended.synonyms(node.id, "fr")
    assert "mot du terroir" not in taxonomy.synonyms(node.id, "fr")
