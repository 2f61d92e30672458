"""Renders a Kustomize overlay as `kubectl kustomize` would, for the features the
manifests under deploy/k8s use: `resources` (files and folders with a kustomization),
`namespace`, strategic-merge `patches` given by path, and `images`. Anything else in a
kustomization is refused, so that a manifest that starts using more fails here first
rather than render differently from kustomize."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED = frozenset({"apiVersion", "kind", "resources", "namespace", "patches", "images"})
# Kinds that live outside namespaces (of those a manifest here may hold).
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"})
POD_SPEC_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


class KustomizeError(Exception):
    pass


def load_documents(path: Path) -> list[Resource]:
    with path.open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def kustomization_of(folder: Path) -> Resource:
    documents = load_documents(folder / "kustomization.yaml")
    if len(documents) != 1:
        raise KustomizeError(f"{folder}/kustomization.yaml holds {len(documents)} documents")
    kustomization = documents[0]
    unsupported = set(kustomization) - SUPPORTED
    if unsupported:
        raise KustomizeError(f"{folder}/kustomization.yaml uses {sorted(unsupported)}, which this renderer lacks")
    return kustomization


def render(folder: Path) -> list[Resource]:
    kustomization = kustomization_of(folder)
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        resources.extend(render(path) if path.is_dir() else load_documents(path))
    _refuse_duplicates(resources, folder)
    for patch_entry in kustomization.get("patches", []):
        if set(patch_entry) != {"path"}:
            raise KustomizeError(f"only patches given by path are supported: {patch_entry}")
        for patch in load_documents(folder / patch_entry["path"]):
            _apply_patch(resources, patch, folder)
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    namespace = kustomization.get("namespace")
    if namespace is not None:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = namespace
    return resources


def identity(resource: Resource) -> tuple[str, str, str]:
    group = resource["apiVersion"].rpartition("/")[0]
    return group, resource["kind"], resource["metadata"]["name"]


def _refuse_duplicates(resources: list[Resource], folder: Path) -> None:
    seen: set[tuple[str, str, str]] = set()
    for resource in resources:
        key = identity(resource)
        if key in seen:
            raise KustomizeError(f"{folder}: {key} is declared twice")
        seen.add(key)


def _apply_patch(resources: list[Resource], patch: Resource, folder: Path) -> None:
    targets = [r for r in resources if identity(r) == identity(patch)]
    if not targets:
        raise KustomizeError(f"{folder}: the patch for {identity(patch)} matches no resource")
    merged = strategic_merge(targets[0], patch)
    resources[resources.index(targets[0])] = merged


def strategic_merge(original: Any, patch: Any) -> Any:
    """Maps merge key by key; lists of named items (containers, env, ports, volumes) merge
    item by item on their name; other lists and scalars are replaced; null deletes."""
    if isinstance(original, dict) and isinstance(patch, dict):
        if "$patch" in patch:
            raise KustomizeError("$patch directives are not supported")
        merged = copy.deepcopy(original)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if isinstance(original, list) and isinstance(patch, list) and _named(original) and _named(patch):
        merged_list = copy.deepcopy(original)
        for item in patch:
            names = [existing["name"] for existing in merged_list]
            if item["name"] in names:
                position = names.index(item["name"])
                merged_list[position] = strategic_merge(merged_list[position], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def pod_spec(resource: Resource) -> Resource | None:
    path = POD_SPEC_PATHS.get(resource["kind"])
    if path is None:
        return None
    node: Any = resource
    for key in path:
        node = node[key]
    spec: Resource = node
    return spec


def containers(resource: Resource) -> list[Resource]:
    spec = pod_spec(resource)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]


def image_name(image: str) -> str:
    """`registry/name:tag` or `name@digest` without its tag or digest."""
    name = image.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > last_slash else name


def _set_image(resources: list[Resource], image: Resource) -> None:
    unknown = set(image) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise KustomizeError(f"images entry with {sorted(unknown)}")
    for resource in resources:
        for container in containers(resource):
            if image_name(container["image"]) != image["name"]:
                continue
            name = image.get("newName", image["name"])
            if "digest" in image:
                container["image"] = f"{name}@{image['digest']}"
            elif "newTag" in image:
                container["image"] = f"{name}:{image['newTag']}"
            else:
                tag = container["image"][len(image_name(container["image"])) :]
                container["image"] = name + tag
