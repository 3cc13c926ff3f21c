"""A small checker of FHIR profile rules, for what fhir.resources cannot check.

fhir.resources (pydantic models of the base specification) checks the structure: element
names, data types, the base cardinalities. A profile (``StructureDefinition``) narrows
the base; this checker reads the profile's elements (its ``differential``, or its
``snapshot`` when the file has one) and checks, on a resource as plain JSON:

- cardinalities (``min``/``max``) of every element the profile names, slices included,
  per occurrence of the parent;
- ``fixed[x]`` (equal) and ``pattern[x]`` (contained) values;
- ``required`` bindings, where the value set is available (a ``ValueSet`` listing its
  concepts, or including a whole ``CodeSystem`` that is available); the others are
  listed as unchecked, not as errors;
- the allowed types of ``value[x]``;
- extensions whose profile is available, checked recursively with their own definition;
- which ``mustSupport`` elements are present (reported, the caller decides what it needs).

Slices are told apart by their discriminators (``value``/``pattern`` on a path), with the
values the slice fixes, the systems of its bound value set, or, for extensions, their URL.
A slice whose discriminator cannot be resolved matches nothing and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Json = Any


@dataclass(frozen=True, slots=True)
class Violation:
    element: str  # the element id of the profile, e.g. Location.extension:ror-commune-cog
    where: str  # the JSON path in the checked resource, e.g. Location.extension[2]
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.element}: {self.message}"


@dataclass(slots=True)
class Report:
    profile: str
    violations: list[Violation] = field(default_factory=list)
    must_support_present: set[str] = field(default_factory=set)
    must_support_absent: set[str] = field(default_factory=set)
    unchecked_bindings: set[str] = field(default_factory=set)  # value set URLs
    unresolved_slices: set[str] = field(default_factory=set)

    def extend(self, other: Report) -> None:
        self.violations += other.violations
        self.unchecked_bindings |= other.unchecked_bindings
        self.unresolved_slices |= other.unresolved_slices


@dataclass(frozen=True, slots=True)
class Node:
    value: Json
    where: str


class Terminology:
    """Value sets and code systems read from JSON files; a value set is 'available' when
    every system it includes can be listed."""

    def __init__(self, resources: Iterable[Json]) -> None:
        self.value_sets: dict[str, Json] = {}
        self.code_systems: dict[str, Json] = {}
        for resource in resources:
            if resource.get("resourceType") == "ValueSet":
                self.value_sets[resource["url"]] = resource
            elif resource.get("resourceType") == "CodeSystem":
                self.code_systems[resource["url"]] = resource

    def codes(self, value_set_url: str) -> set[tuple[str, str]] | None:
        value_set = self.value_sets.get(value_set_url.split("|")[0])
        if value_set is None:
            return None
        found: set[tuple[str, str]] = set()
        for include in value_set.get("compose", {}).get("include", []):
            system = include.get("system")
            if system is None or include.get("filter") or include.get("valueSet"):
                return None
            if "concept" in include:
                found |= {(system, concept["code"]) for concept in include["concept"]}
                continue
            code_system = self.code_systems.get(system)
            if code_system is None:
                return None
            found |= {(system, code) for code in _all_codes(code_system.get("concept", []))}
        return found

    def systems(self, value_set_url: str) -> set[str] | None:
        value_set = self.value_sets.get(value_set_url.split("|")[0])
        if value_set is None:
            return None
        return {
            include["system"]
            for include in value_set.get("compose", {}).get("include", [])
            if "system" in include
        }


def _all_codes(concepts: list[Json]) -> Iterator[str]:
    for concept in concepts:
        yield concept["code"]
        yield from _all_codes(concept.get("concept", []))


def load_json_files(paths: Iterable[Path]) -> list[Json]:
    return [json.loads(path.read_text(encoding="utf-8-sig")) for path in paths]


def elements_of(definition: Json) -> list[Json]:
    """The snapshot's elements when there is one, else the differential's."""
    part = definition.get("snapshot") or definition["differential"]
    elements: list[Json] = part["element"]
    return elements


def _steps(element_id: str) -> list[tuple[str, str | None]]:
    steps: list[tuple[str, str | None]] = []
    for part in element_id.split(".")[1:]:
        name, _, slice_name = part.partition(":")
        steps.append((name, slice_name or None))
    return steps


def _fixed_or_pattern(element: Json) -> tuple[str, Json] | None:
    for key, value in element.items():
        if key.startswith("fixed"):
            return "fixed", value
        if key.startswith("pattern"):
            return "pattern", value
    return None


def _values_at(value: Json, path: str) -> list[Json]:
    """Values at a dotted FHIRPath-like path (lists flattened)."""
    current = [value]
    for name in [p for p in path.split(".") if p]:
        following: list[Json] = []
        for item in current:
            if isinstance(item, dict) and name in item:
                child = item[name]
                following += child if isinstance(child, list) else [child]
        current = following
    return current


def _contains(pattern: Json, value: Json) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and _contains(item, value[key]) for key, item in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(value, list) and all(
            any(_contains(item, candidate) for candidate in value) for item in pattern
        )
    return bool(pattern == value)


class ProfileChecker:
    """Checks resources against one StructureDefinition, with the extension definitions
    and terminology given."""

    def __init__(
        self,
        definition: Json,
        *,
        extensions: Iterable[Json] = (),
        terminology: Terminology | None = None,
    ) -> None:
        self.definition = definition
        self.url: str = definition["url"]
        self.elements = elements_of(definition)
        self.by_id: dict[str, Json] = {element["id"]: element for element in self.elements}
        self.extensions = {item["url"]: item for item in extensions}
        self.terminology = terminology or Terminology([])

    # -- locating nodes -------------------------------------------------------------------

    def _children(self, node: Node, name: str) -> list[Node]:
        value = node.value
        if not isinstance(value, dict):
            return []
        if name.endswith("[x]"):
            stem = name[:-3]
            keys = [k for k in value if k.startswith(stem) and k[len(stem) :][:1].isupper()]
        else:
            keys = [name] if name in value else []
        found: list[Node] = []
        for key in keys:
            child = value[key]
            if isinstance(child, list):
                found += [Node(item, f"{node.where}.{key}[{i}]") for i, item in enumerate(child)]
            else:
                found.append(Node(child, f"{node.where}.{key}"))
        return found

    def _slice_test(self, sliced_id: str, slice_id: str, report: Report) -> Any:
        """A predicate telling whether an item belongs to the slice ``slice_id``."""
        element = self.by_id[slice_id]
        base = self.by_id.get(sliced_id, {})
        if sliced_id.endswith(("extension", "modifierExtension")):
            profiles = [p for t in element.get("type", []) for p in t.get("profile", [])]
            url = profiles[0] if profiles else None
            if url is None:  # a sub-extension of a complex extension: its url is fixed
                fixed = self.by_id.get(f"{slice_id}.url", {}).get("fixedUri")
                url = fixed or element.get("sliceName")
            return lambda item: isinstance(item, dict) and item.get("url") == url
        tests = []
        for discriminator in base.get("slicing", {}).get("discriminator", []):
            path = discriminator["path"]
            expected = self._discriminator_values(slice_id, path)
            if expected is None:
                continue
            tests.append((path, expected))
        if not tests:
            report.unresolved_slices.add(slice_id)
            return lambda item: False

        def matches(item: Json) -> bool:
            return all(
                any(_contains(e, v) for v in _values_at(item, p) for e in expected)
                for p, expected in tests
            )

        return matches

    def _discriminator_values(self, slice_id: str, path: str) -> list[Json] | None:
        if path.startswith("extension("):
            return None
        parts = path.split(".")
        # A fixed or pattern value on the path itself or on one of its ancestors.
        for depth in range(len(parts), 0, -1):
            element = self.by_id.get(f"{slice_id}.{'.'.join(parts[:depth])}")
            constraint = _fixed_or_pattern(element) if element else None
            if constraint is not None:
                values = _values_at(constraint[1], ".".join(parts[depth:]))
                return values or None
        constraint = _fixed_or_pattern(self.by_id[slice_id])
        if constraint is not None:
            return _values_at(constraint[1], path) or None
        binding = self.by_id[slice_id].get("binding", {})
        if parts[-1] == "system" and binding.get("valueSet"):
            systems = self.terminology.systems(binding["valueSet"])
            return sorted(systems) if systems else None
        return None

    def nodes(self, element_id: str, root: Node, report: Report) -> list[Node]:
        """The nodes of ``root`` an element id designates."""
        current = [root]
        prefix = element_id.split(".")[0]
        for name, slice_name in _steps(element_id):
            prefix = f"{prefix}.{name}"
            following: list[Node] = []
            for node in current:
                following += self._children(node, name)
            if slice_name is not None:
                belongs = self._slice_test(prefix, f"{prefix}:{slice_name}", report)
                following = [n for n in following if belongs(n.value)]
                prefix = f"{prefix}:{slice_name}"
            current = following
        return current

    # -- checking -------------------------------------------------------------------------

    def check(self, resource: Json, where: str | None = None) -> Report:
        report = Report(self.url)
        root_name = self.elements[0]["path"]
        root = Node(resource, where or root_name)
        for element in self.elements[1:]:
            self._check_element(element, root, report)
        return report

    def _check_element(self, element: Json, root: Node, report: Report) -> None:
        element_id: str = element["id"]
        parent_id = element_id.rsplit(".", 1)[0]
        last = element_id.rsplit(".", 1)[1]
        parents = [root] if "." not in parent_id else self.nodes(parent_id, root, report)
        nodes = self.nodes(element_id, root, report)
        if element.get("mustSupport"):
            (report.must_support_present if nodes else report.must_support_absent).add(element_id)
        name, _, slice_name = last.partition(":")
        minimum = element.get("min")
        maximum = element.get("max")
        if minimum is not None or maximum is not None:
            for parent in parents:
                children = self._children(parent, name)
                if slice_name:
                    sliced = f"{parent_id}.{name}"
                    belongs = self._slice_test(sliced, f"{sliced}:{slice_name}", report)
                    children = [c for c in children if belongs(c.value)]
                count = len(children)
                if minimum is not None and count < minimum:
                    report.violations.append(
                        Violation(element_id, parent.where, f"{count} found, at least {minimum}")
                    )
                if maximum not in (None, "*") and count > int(maximum):
                    report.violations.append(
                        Violation(element_id, parent.where, f"{count} found, at most {maximum}")
                    )
        constraint = _fixed_or_pattern(element)
        if constraint is not None:
            kind, expected = constraint
            for node in nodes:
                ok = node.value == expected if kind == "fixed" else _contains(expected, node.value)
                if not ok:
                    report.violations.append(
                        Violation(element_id, node.where, f"{kind} value {expected!r} expected")
                    )
        if name.endswith("[x]") and element.get("type"):
            allowed = {name[:-3] + t["code"][0].upper() + t["code"][1:] for t in element["type"]}
            for node in nodes:
                key = node.where.rsplit(".", 1)[-1].split("[")[0]
                if key not in allowed:
                    report.violations.append(
                        Violation(element_id, node.where, f"type not in {sorted(allowed)}")
                    )
        binding = element.get("binding")
        if binding and binding.get("strength") == "required" and binding.get("valueSet"):
            self._check_binding(element_id, binding["valueSet"], nodes, report)
        for node in nodes:
            self._check_extension(element, node, report)

    def _check_binding(
        self, element_id: str, value_set: str, nodes: list[Node], report: Report
    ) -> None:
        if not nodes:
            return
        codes = self.terminology.codes(value_set)
        if codes is None:
            report.unchecked_bindings.add(value_set)
            return
        for node in nodes:
            value = node.value
            codings = value.get("coding", []) if isinstance(value, dict) else []
            if isinstance(value, dict) and "code" in value and "system" in value:
                codings = [value]
            if not any((c.get("system"), c.get("code")) in codes for c in codings):
                found = [(c.get("system"), c.get("code")) for c in codings] or value
                report.violations.append(
                    Violation(element_id, node.where, f"{found} not in value set {value_set}")
                )

    def _check_extension(self, element: Json, node: Node, report: Report) -> None:
        if element["path"].rsplit(".", 1)[-1] not in ("extension", "modifierExtension"):
            return
        profiles = [p for t in element.get("type", []) for p in t.get("profile", [])]
        definition = next((self.extensions[p] for p in profiles if p in self.extensions), None)
        if definition is None:
            return
        checker = ProfileChecker(
            definition, extensions=self.extensions.values(), terminology=self.terminology
        )
        report.extend(checker.check(node.value, node.where))
