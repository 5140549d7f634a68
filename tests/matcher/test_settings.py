"""Matcher settings: declared once, with defaults and help, validated when read."""
from __future__ import annotations

import pytest

from matcher import MatcherSettings, SettingsError


def test_every_setting_has_help_and_weights_sum_to_one():
    described = MatcherSettings.describe()
    assert described and all(help_text.strip() for _, _, help_text in described)
    assert sum(MatcherSettings().weights.values()) == pytest.approx(1.0)


def test_settings_from_a_mapping_convert_types():
    s = MatcherSettings.from_mapping({"min_score": "0.5", "top_receivers": "3", "latent": "false"})
    assert s.min_score == 0.5 and s.top_receivers == 3 and s.latent is False


def test_unknown_or_malformed_settings_say_what_is_expected():
    with pytest.raises(SettingsError, match="Unknown matcher setting.*expected one of"):
        MatcherSettings.from_mapping({"min_scroe": "0.5"})
    with pytest.raises(SettingsError, match="expects a value of type int"):
        MatcherSettings.from_mapping({"top_receivers": "many"})
