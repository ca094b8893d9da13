"""Matchers are read as Alertmanager reads them, and a bad one is refused by its place in the list."""

from __future__ import annotations

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import parse_matchers
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._matchers import (
    Matcher,
    MatcherError,
    describe,
    parse_matcher,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._regex_syntax import regex_problem
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import make_settings
from hypothesis import assume, given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('alertname="Watchdog"', Matcher("alertname", "=", "Watchdog")),
        ("alertname=Watchdog", Matcher("alertname", "=", "Watchdog")),
        ('  severity  !=  "none"  ', Matcher("severity", "!=", "none")),
        ('job=~"node.*"', Matcher("job", "=~", "node.*")),
        ('job!~"node|blackbox"', Matcher("job", "!~", "node|blackbox")),
        ('_private:name="x"', Matcher("_private:name", "=", "x")),
        ('team=""', Matcher("team", "=", "")),
        ("team=", Matcher("team", "=", "")),
        (r'summary="she said \"hi\""', Matcher("summary", "=", 'she said "hi"')),
        (r'path="C:\\temp"', Matcher("path", "=", "C:\\temp")),
        (r'text="two\nlines"', Matcher("text", "=", "two\nlines")),
        (r'instance=~"host\d+\.example\.com"', Matcher("instance", "=~", r"host\d+\.example\.com")),
        (r"instance=~host\d+", Matcher("instance", "=~", r"host\d+")),
        ('value="a, b = c"', Matcher("value", "=", "a, b = c")),
    ],
)
def test_matchers_alertmanager_accepts_are_read_as_it_reads_them(text: str, expected: Matcher) -> None:
    assert parse_matcher(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('1alertname="Watchdog"', "label name"),
        ('alert-name="Watchdog"', "label name"),
        ('="Watchdog"', "label name"),
        ('alertname~"Watchdog"', "op one of"),
        ('alertname<>"Watchdog"', "op one of"),
        ("alertname", "op one of"),
        ("", "op one of"),
        ('alertname="Watchdog', "not closed"),
        ('alertname="', "not closed"),
        ('alertname="Watch"dog"', "unescaped double quote"),
        ('alertname=Watch"dog', "quoted as a whole"),
        ('alertname=="Watchdog"', "quoted as a whole"),
        ('alertname=~"(Watchdog"', "invalid regular expression"),
        ('alertname!~"*"', "invalid regular expression"),
    ],
)
def test_a_bad_matcher_is_refused_naming_its_place_in_the_list(text: str, problem: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_matchers(['alertname="Watchdog"', text])

    assert refused.value.option == "matchers[1]"
    assert problem in refused.value.problem
    assert str(refused.value).startswith("matchers[1]: ")


def test_a_matcher_that_is_not_a_string_is_refused_by_its_place() -> None:
    with pytest.raises(SettingsError) as refused:
        parse_matchers([{"alertname": "Watchdog"}])

    assert refused.value.option == "matchers[0]"


def test_matchers_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        make_settings(matchers='alertname="Watchdog"')

    assert refused.value.option == "matchers"


def test_no_matchers_given_means_the_watchdog_and_an_empty_list_means_none() -> None:
    assert make_settings(matchers=None).matchers == (Matcher("alertname", "=", "Watchdog"),)
    assert make_settings(matchers=[]).matchers == ()


@pytest.mark.parametrize(
    ("text", "labels", "matches"),
    [
        ('alertname="Watchdog"', {"alertname": "Watchdog"}, True),
        ('alertname="Watchdog"', {"alertname": "watchdog"}, False),
        ('severity!="none"', {"alertname": "Watchdog"}, True),
        ('severity=""', {"alertname": "Watchdog"}, True),
    ],
)
def test_an_equality_matcher_selects_labels_as_alertmanager_does(
    text: str, labels: dict[str, str], matches: bool
) -> None:
    assert parse_matcher(text).matches(labels) is matches


@pytest.mark.parametrize("text", ['alertname=~"Watch"', 'alertname!~"Dead.*|Watch.*"', 'x!~"(a+)+b"'])
def test_a_regex_matcher_is_left_to_alertmanager_and_never_evaluated_here(text: str) -> None:
    # (a+)+b against 40 a's and a c takes Python's backtracking engine longer than any test run.
    assert parse_matcher(text).matches({"alertname": "Watchdog", "x": "a" * 40 + "c"}) is True


@pytest.mark.parametrize(
    "value",
    ["\\pL+", "host\\z", "[[:alpha:]]+", "(?i)watchdog", "(?P<name>dog)", "a{2,5}?", "[]a]", "(a+)+b", "a??"],
)
def test_every_regex_alertmanager_accepts_is_accepted_python_only_forms_or_not(value: str) -> None:
    assert parse_matcher(f'job=~"{value}"').value == value.replace("\\\\", "\\")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("(?=x)", "unsupported Perl syntax"),
        ("(a)\\\\1", "back-references are not supported"),
        ("a**", "bad repetition operator"),
        ("a{2,1}", "invalid repeat count"),
        ("[a", "missing closing ]"),
        ("a)", "unexpected )"),
    ],
)
def test_a_regex_alertmanager_refuses_is_refused_up_front(value: str, problem: str) -> None:
    with pytest.raises(MatcherError) as refused:
        parse_matcher(f'job=~"{value}"')

    assert str(refused.value).startswith("invalid regular expression: ")
    assert problem in str(refused.value)


def test_matchers_are_described_in_alertmanagers_canonical_form() -> None:
    matchers = [parse_matcher("alertname=Watchdog"), parse_matcher('note!="say \\"hi\\"\\nbye"')]

    assert describe(matchers) == 'alertname="Watchdog",note!="say \\"hi\\"\\nbye"'


label_names = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,20}", fullmatch=True)


def _compiles(pattern: str) -> bool:
    return regex_problem(pattern) is None


@given(name=label_names, operator=st.sampled_from(["=", "!="]), value=st.text())
def test_any_equality_matcher_survives_render_and_parse(name: str, operator: str, value: str) -> None:
    matcher = Matcher(name, operator, value)

    assert parse_matcher(matcher.render()) == matcher


@given(name=label_names, operator=st.sampled_from(["=~", "!~"]), value=st.text().filter(_compiles))
def test_any_regex_matcher_survives_render_and_parse(name: str, operator: str, value: str) -> None:
    matcher = Matcher(name, operator, value)

    assert parse_matcher(matcher.render()) == matcher


matcher_texts = st.builds(
    "{}{}{}{}".format,
    label_names,
    st.sampled_from(["=", "!=", " = ", "=~", "!~"]),
    st.sampled_from(["", '"', ' "']),
    st.text(alphabet='ab"\\n x.*,=', max_size=12),
)


@given(text=matcher_texts)
def test_whatever_parses_reads_the_same_after_rendering(text: str) -> None:
    try:
        parsed = parse_matcher(text)
    except MatcherError:
        assume(False)
    assert parse_matcher(parsed.render()) == parsed
