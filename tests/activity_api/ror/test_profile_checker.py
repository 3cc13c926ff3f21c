"""The profile checker of tests/fhir_profiles.py, on profiles written for it (tests/data)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import DATA_DIR
from tests.fhir_profiles import ProfileChecker, Report, Terminology, load_json_files

PROFILES = DATA_DIR / "fhir" / "profiles"

VALID: dict[str, Any] = {
    "resourceType": "Location",
    "status": "active",
    "identifier": [
        {"system": "https://example.org/other", "value": "x"},
        {"system": "https://example.org/sites", "value": "S1"},
    ],
    "type": [
        {"coding": [{"system": "https://example.org/fhir/CodeSystem/tiny-kinds", "code": "flat"}]}
    ],
    "extension": [
        {
            "url": "https://example.org/fhir/StructureDefinition/tiny-rooms",
            "extension": [
                {"url": "count", "valueInteger": 3},
                {
                    "url": "kind",
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": "https://example.org/fhir/CodeSystem/tiny-kinds",
                                "code": "room",
                            }
                        ]
                    },
                },
            ],
        }
    ],
}


def _check(resource: dict[str, Any]) -> Report:
    files = load_json_files(sorted(PROFILES.glob("*.json")))
    definitions = {f["url"]: f for f in files if f["resourceType"] == "StructureDefinition"}
    checker = ProfileChecker(
        definitions["https://example.org/fhir/StructureDefinition/tiny-location"],
        extensions=definitions.values(),
        terminology=Terminology(files),
    )
    return checker.check(resource)


def _messages(report: Report) -> list[str]:
    return [str(violation) for violation in report.violations]


def test_a_conforming_resource_has_no_violation_and_its_must_support_is_reported() -> None:
    report = _check(VALID)
    assert _messages(report) == []
    assert report.must_support_present == {
        "Location.extension:rooms",
        "Location.identifier",
        "Location.identifier:site",
        "Location.type",
    }
    assert report.must_support_absent == {"Location.description"}
    assert report.unresolved_slices == set()


def test_cardinalities_of_elements_and_slices() -> None:
    resource = copy.deepcopy(VALID)
    del resource["status"]
    resource["identifier"] = [{"system": "https://example.org/other", "value": "x"}]
    resource["type"].append(resource["type"][0])
    assert _messages(_check(resource)) == [
        "Location: Location.identifier:site: 0 found, at least 1",
        "Location: Location.status: 0 found, at least 1",
        "Location: Location.type: 2 found, at most 1",
    ]
    resource = copy.deepcopy(VALID)
    resource["identifier"].append({"system": "https://example.org/sites"})
    assert _messages(_check(resource)) == [
        "Location: Location.identifier:site: 2 found, at most 1",
        "Location.identifier[2]: Location.identifier:site.value: 0 found, at least 1",
    ]


def test_fixed_values_and_required_bindings() -> None:
    resource = copy.deepcopy(VALID)
    resource["status"] = "inactive"
    resource["type"][0]["coding"][0]["code"] = "castle"
    messages = _messages(_check(resource))
    assert messages[0] == "Location.status: Location.status: fixed value 'active' expected"
    assert messages[1].startswith("Location.type[0]: Location.type: [('https://example.org")
    assert "castle" in messages[1]
    assert "not in value set" in messages[1]
    assert len(messages) == 2


def test_a_binding_to_a_value_set_not_available_is_listed_not_failed() -> None:
    resource = copy.deepcopy(VALID)
    resource["physicalType"] = {"coding": [{"system": "https://example.org/any", "code": "x"}]}
    report = _check(resource)
    assert _messages(report) == []
    assert report.unchecked_bindings == {"https://example.org/fhir/ValueSet/not-shipped"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda ext: ext["extension"].pop(0),
            [
                "Location.extension[0]: Extension.extension: 1 found, at least 2",
                "Location.extension[0]: Extension.extension:count: 0 found, at least 1",
            ],
        ),
        (
            lambda ext: (
                ext["extension"][0].update(valueString="3", valueInteger=None)
                or ext["extension"][0].pop("valueInteger")
            ),
            [
                "Location.extension[0].extension[0].valueString: "
                "Extension.extension:count.value[x]: type not in ['valueInteger']"
            ],
        ),
        (
            lambda ext: ext.update(valueInteger=1),
            ["Location.extension[0]: Extension.value[x]: 1 found, at most 0"],
        ),
    ],
)
def test_extensions_are_checked_with_their_own_definition(change: Any, expected: list[str]) -> None:
    resource = copy.deepcopy(VALID)
    change(resource["extension"][0])
    assert _messages(_check(resource)) == expected


def test_an_extension_missing_is_a_missing_slice() -> None:
    resource = copy.deepcopy(VALID)
    resource["extension"] = [{"url": "https://example.org/else", "valueString": "x"}]
    assert _messages(_check(resource)) == [
        "Location: Location.extension:rooms: 0 found, at least 1"
    ]
