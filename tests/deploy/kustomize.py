"""A small kustomize renderer for what deploy/k8s uses, so that `make test` renders the
overlay on a clean clone without the kustomize binary (a Go program, not on PyPI).

It knows ``resources`` (files, and folders holding a kustomization.yaml), ``namespace``,
``images`` and ``patches`` given by ``path`` (strategic merge, with Kubernetes' merge keys
for the lists deploy/k8s patches). Anything else in a kustomization is refused, so that a
feature this renderer does not know can never be ignored silently.
tests/deploy/test_k8s.py checks it renders what ``kubectl kustomize`` renders where kubectl
is installed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]

KNOWN_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
}
# Strategic merge: lists merged item by item on this key (Kubernetes' patchMergeKey);
# every other list is replaced whole, as kustomize does.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


class UnsupportedKustomization(ValueError):
    pass


def render(directory: Path) -> list[Object]:
    """The objects ``kubectl kustomize directory`` would print (in no particular order)."""
    path = directory / "kustomization.yaml"
    kustomization: Object = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(kustomization) - KNOWN_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"{path}: {sorted(unknown)} not supported here")
    objects: list[Object] = []
    for entry in kustomization.get("resources", []):
        target = directory / entry
        if target.is_dir():
            objects += render(target)
        else:
            objects += [
                document
                for document in yaml.safe_load_all(target.read_text(encoding="utf-8"))
                if document
            ]
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedKustomization(f"{path}: only patches given by path are supported")
        for document in yaml.safe_load_all((directory / patch["path"]).read_text("utf-8")):
            if document:
                _apply_patch(objects, document)
    for image in kustomization.get("images", []):
        for obj in objects:
            _set_image(obj, image)
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
    return objects


def _identity(obj: Object) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _apply_patch(objects: list[Object], patch: Object) -> None:
    matches = [index for index, obj in enumerate(objects) if _identity(obj) == _identity(patch)]
    if len(matches) != 1:
        raise UnsupportedKustomization(f"patch {_identity(patch)} matches {len(matches)} objects")
    objects[matches[0]] = merge(objects[matches[0]], patch)


def merge(base: Any, patch: Any, key: str | None = None) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for name, value in patch.items():
            if value is None:
                merged.pop(name, None)
            elif name in merged:
                merged[name] = merge(merged[name], value, name)
            else:
                merged[name] = copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and key in MERGE_KEYS:
        merge_key = MERGE_KEYS[key]
        result = [copy.deepcopy(item) for item in base]
        for item in patch:
            position = next(
                (i for i, old in enumerate(result) if old.get(merge_key) == item.get(merge_key)),
                None,
            )
            if position is None:
                result.append(copy.deepcopy(item))
            else:
                result[position] = merge(result[position], item)
        return result
    return copy.deepcopy(patch)


def _set_image(node: Any, image: Object) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in {"containers", "initContainers"} and isinstance(value, list):
                for container in value:
                    current = container.get("image", "")
                    if _image_name(current) == image["name"]:
                        container["image"] = _new_image(current, image)
            else:
                _set_image(value, image)
    elif isinstance(node, list):
        for item in node:
            _set_image(item, image)


def _image_name(reference: str) -> str:
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[0] if ":" in last else name


def _new_image(current: str, image: Object) -> str:
    name: str = image.get("newName") or image["name"]
    if "digest" in image:
        return f"{name}@{image['digest']}"
    if "newTag" in image:
        return f"{name}:{image['newTag']}"
    return name + current[len(_image_name(current)) :]
