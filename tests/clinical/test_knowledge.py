"""The phenotype knowledge base: the built-in file, user entries, lookups."""

from __future__ import annotations

import pytest

from elm_desktop.clinical.knowledge import (
    PROMPT_STYLES,
    get_finding,
    list_findings,
    load_knowledge_base,
)
from elm_desktop.errors import ConfigError

VOCABULARY = (
    "normal generalized_slowing focal_slowing focal_epileptiform generalized_spike_wave lpd gpd "
    "seizure burst_suppression focal_attenuation excess_beta photic_driving "
    "hyperventilation_response sleep artifact"
).split()


def test_builtin_base_covers_the_shared_vocabulary_with_every_prompt_kind():
    kb = load_knowledge_base()
    assert kb.list_findings() == VOCABULARY
    for finding in kb.values():
        assert finding.label and finding.definition and finding.sentence
        assert len(finding.plain) >= 2 and len(finding.knowledge) >= 2 and finding.contrast
        assert finding.terms
        # Knowledge-enhanced prompts describe; they are longer than the plain labels.
        assert min(map(len, finding.knowledge)) > max(map(len, finding.plain))
        assert 0 < finding.threshold < 1
    assert not kb["normal"].abnormal and kb["lpd"].abnormal


def test_prompt_styles_select_different_prompts():
    finding = get_finding("focal_slowing")
    assert set(PROMPT_STYLES) == {"knowledge", "plain"}
    assert finding.prompts("plain") == finding.plain
    assert finding.prompts("knowledge") == finding.knowledge
    with pytest.raises(ConfigError, match="prompt style"):
        finding.prompts("fancy")


def test_unknown_finding_names_the_known_ones():
    with pytest.raises(ConfigError, match="known findings: normal, generalized_slowing"):
        get_finding("hypsarrhythmia")


def test_user_entries_add_findings_and_override_fields(isolated_data_dir):
    (isolated_data_dir / "phenotypes.toml").write_text(
        """
[findings.hypsarrhythmia]
label = "Hypsarrhythmia"
category = "background"
plain = ["hypsarrhythmia"]
knowledge = ["Chaotic high-amplitude slow background with multifocal spikes."]
contrast = ["Organised background without multifocal spikes."]
terms = ["hypsarrhythmia"]

[findings.lpd]
threshold = 0.7
""",
        encoding="utf-8",
    )
    kb = load_knowledge_base()
    assert kb.list_findings()[-1] == "hypsarrhythmia"
    assert "hypsarrhythmia" in list_findings()
    assert kb["hypsarrhythmia"].abnormal  # the default for a new finding
    assert kb["lpd"].threshold == 0.7
    assert kb["lpd"].label == load_knowledge_base(user_path="/nonexistent")["lpd"].label
    assert kb.fingerprint() != load_knowledge_base(user_path="/nonexistent").fingerprint()


def test_model_entries_sit_between_the_builtin_and_the_user_entries(isolated_data_dir, tmp_path):
    model = tmp_path / "model.toml"
    model.write_text("[findings.lpd]\nthreshold = 0.8\n[findings.gpd]\nthreshold = 0.3\n")
    (isolated_data_dir / "phenotypes.toml").write_text("[findings.lpd]\nthreshold = 0.7\n")
    kb = load_knowledge_base(model_path=model)
    builtin = load_knowledge_base(user_path="/nonexistent")
    assert kb["lpd"].threshold == 0.7  # the user's setting wins over the model's
    assert kb["gpd"].threshold == 0.3 != builtin["gpd"].threshold
    assert kb["gpd"].label == builtin["gpd"].label
    assert kb.sources[1:] == (model, isolated_data_dir / "phenotypes.toml")
    model.write_text("[findings.gpd]\nthreshold = 2\n")
    with pytest.raises(ConfigError, match=f"^{model}: gpd.threshold"):
        load_knowledge_base(model_path=model)  # the model's file is named, not the user's


def test_prompt_style_is_the_last_file_that_sets_one(isolated_data_dir, tmp_path):
    model = tmp_path / "model.toml"
    model.write_text('prompt_style = "plain"\n[findings.gpd]\nthreshold = 0.3\n')
    user = isolated_data_dir / "phenotypes.toml"
    assert load_knowledge_base().prompt_style == "knowledge"  # the built-in base sets none
    assert load_knowledge_base(model_path=model).prompt_style == "plain"
    user.write_text("[findings.lpd]\nthreshold = 0.7\n")  # a user file without a style
    assert load_knowledge_base(model_path=model).prompt_style == "plain"
    user.write_text('prompt_style = "knowledge"\n')
    assert load_knowledge_base(model_path=model).prompt_style == "knowledge"
    user.write_text('prompt_style = "fancy"\n')
    with pytest.raises(ConfigError, match=f"^{user}: prompt_style must be one of knowledge, plain"):
        load_knowledge_base(model_path=model)


def test_a_finding_id_as_contrast_stands_for_that_findings_descriptions(isolated_data_dir):
    builtin = load_knowledge_base()
    # Abnormal findings are scored against a normal record, not against negated sentences.
    assert builtin["lpd"].contrast == builtin["normal"].knowledge
    assert builtin["sleep"].contrast != builtin["normal"].knowledge
    (isolated_data_dir / "phenotypes.toml").write_text(
        '[findings.normal]\nknowledge = ["A quiet normal record."]\n'
        '[findings.sleep]\ncontrast = "artifact"\n',
        encoding="utf-8",
    )
    kb = load_knowledge_base()
    # Resolved after the merge: the user's normal descriptions become lpd's contrast.
    assert kb["lpd"].contrast == ("A quiet normal record.",)
    assert kb["sleep"].contrast == builtin["artifact"].knowledge


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('[findings.x]\nlabel = "X"\nplain = ["x"]\n', "lacks contrast"),
        (
            '[findings.x]\nlabel = "X"\nplain = ["x"]\ncontrast = ["y"]\ncolour = 1\n',
            "unknown field",
        ),
        ('[findings.x]\nlabel = "X"\nplain = "x"\ncontrast = ["y"]\n', "list of non-empty strings"),
        ("[findings.lpd]\nthreshold = 1.5\n", "between 0 and 1"),
        ('[findings.lpd]\ncontrast = "quiet"\n', "not another finding; .* one of: normal, "),
        ('[findings.lpd]\ncontrast = "lpd"\n', "lpd.contrast names 'lpd'"),
        (
            '[findings.artifact]\nknowledge = "bad"\n[findings.sleep]\ncontrast = "artifact"\n',
            "artifact.knowledge must be a list .* sleep's contrast",
        ),
        ('[findings.lpd]\nnegative = ["No LPDs."]\n', "lpd.negative must be a string"),
        ("[findings.x\n", "not valid TOML"),
    ],
)
def test_bad_user_entries_are_refused_with_the_file_named(isolated_data_dir, entry, message):
    path = isolated_data_dir / "phenotypes.toml"
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_knowledge_base()
    assert str(path) in str(info.value)
