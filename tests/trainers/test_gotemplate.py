"""The Go text/template subset the Modelfiles use: trimming, conditions, ranges, variables, functions."""

from __future__ import annotations

import pytest

from trainers.gotemplate import GoTemplateError, render

DATA = {"Messages": [{"Role": "user", "Content": "a"}, {"Role": "assistant", "Content": "b"}], "System": "s"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x {{- .System -}} y", "xsy"),
        ("x  \n{{- .System }}\n", "xs\n"),
        ("{{/* a comment */}}{{ .System }}", "s"),
        ('{{ if eq .System "s" }}yes{{ else }}no{{ end }}', "yes"),
        ('{{ if eq .System "t" }}1{{ else if eq .System "u" "s" }}2{{ else }}3{{ end }}', "2"),
        ("{{ range .Messages }}[{{ .Role }}:{{ .Content }}]{{ end }}", "[user:a][assistant:b]"),
        ("{{ range $i, $m := .Messages }}{{ $i }}{{ $m.Role }}{{ $.System }}{{ end }}", "0users1assistants"),
        ("{{ range $i, $_ := .Messages }}{{ len (slice $.Messages $i) }}{{ end }}", "21"),
        ('{{ $n := "" }}{{ range .Messages }}{{ $n = .Content }}{{ end }}{{ $n }}', "b"),
        ("{{ range .Messages }}{{ $x := .Role }}{{ end }}{{ .System }}", "s"),
        ("{{ and .System 0 }}|{{ or 0 .System }}|{{ not .System }}", "0|s|false"),
        ('{{ index (index .Messages 1) "Role" }}{{ ne .System "s" }}{{ "a\\nb" }}', "assistantfalsea\nb"),
    ],
)
def test_the_subset_renders_as_go_does(source: str, expected: str) -> None:
    assert render(source, DATA) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ if .System }}x", "missing {{end}}"),
        ("{{ end }}", "unexpected {{end}}"),
        ("{{ with .System }}x{{ end }}", "outside the supported subset"),
        ("{{ printf .System }}", "function 'printf' is outside the supported subset"),
        ("{{ .Missing }}", "can't evaluate field Missing"),
        ("{{ $y = 1 }}", "undefined variable \\$y"),
        ("{{ .System", "unclosed action"),
        ("{{ range .System }}{{ end }}", "range over str"),
    ],
)
def test_what_falls_outside_is_a_clear_error(source: str, message: str) -> None:
    with pytest.raises(GoTemplateError, match=message):
        render(source, DATA)
