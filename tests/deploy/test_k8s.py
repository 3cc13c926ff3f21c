"""deploy/k8s: the production overlay renders, every object is valid for the pinned
Kubernetes version (kubernetes-validate, strict), and the rules of docs/operations.md
hold: probes, resources, non-root, read-only root filesystem, secrets referenced, only
the database clients reach PostgreSQL, /metrics never routed by the Ingress."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.kustomize import Object, UnsupportedKustomization, render

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S = REPO_ROOT / "deploy" / "k8s"
PRODUCTION = K8S / "overlays" / "production"
# `kubectl kustomize deploy/k8s/overlays/production`, kept (regenerate it when deploy/ changes).
KUBECTL_RENDERING = REPO_ROOT / "tests" / "data" / "deploy" / "production.kubectl.yaml"
# The Kubernetes version the manifests are validated against (deploy/README.md).
KUBERNETES_VERSION = "1.33.0"
API_PORTS = {"agenda-ingest": 8001, "activity-api": 8002}
DATABASE_CLIENTS = {"agenda-ingest", "activity-api", "worker", "ditep-migrate"}


@pytest.fixture(scope="module")
def rendered() -> list[Object]:
    return render(PRODUCTION)


def by_kind(objects: list[Object], kind: str) -> dict[str, Object]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_spec(workload: Object) -> Object:
    spec: Object = workload["spec"]["template"]["spec"]
    return spec


def workloads(objects: list[Object]) -> dict[str, Object]:
    return {**by_kind(objects, "Deployment"), **by_kind(objects, "Job")}


def sort_key(obj: Object) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def test_every_object_is_valid_for_the_pinned_kubernetes(rendered: list[Object]) -> None:
    kinds = sorted({obj["kind"] for obj in rendered})
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]
    for obj in rendered:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        assert obj["metadata"]["namespace"] == "ditep"


def test_the_validation_is_strict() -> None:
    """A misspelt field fails: the check above can fail."""
    deployment = by_kind(render(PRODUCTION), "Deployment")["worker"]
    pod_spec(deployment)["containers"][0]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def _documents(text: str) -> list[Object]:
    return sorted((doc for doc in yaml.safe_load_all(text) if doc), key=sort_key)


def test_the_renderer_renders_what_kubectl_kustomize_renders(rendered: list[Object]) -> None:
    """Against what kubectl rendered, kept in KUBECTL_RENDERING so that a machine without
    kubectl compares too; where kubectl is, the kept rendering must still be what it renders."""
    expected = _documents(KUBECTL_RENDERING.read_text(encoding="utf-8"))
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        output = subprocess.run(
            [kubectl, "kustomize", str(PRODUCTION)], check=True, capture_output=True, text=True
        ).stdout
        assert _documents(output) == expected, (
            f"{KUBECTL_RENDERING.relative_to(REPO_ROOT)} is out of date: "
            "kubectl kustomize deploy/k8s/overlays/production > it"
        )
    assert sorted(rendered, key=sort_key) == expected


def test_the_renderer_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("namePrefix: x-\nresources: []\n")
    with pytest.raises(UnsupportedKustomization):
        render(tmp_path)


def test_the_overlay_sets_image_sizes_and_hosts(rendered: list[Object]) -> None:
    for name, workload in workloads(rendered).items():
        for container in pod_spec(workload)["containers"]:
            assert container["image"] == "registry.ditep.example/ditep/ditep-activity:0.1.0", name
    ingest = pod_spec(by_kind(rendered, "Deployment")["agenda-ingest"])["containers"][0]
    assert ingest["resources"]["limits"]["memory"] == "3Gi"
    # The patch changed resources and kept the rest of the container.
    assert ingest["readinessProbe"]["httpGet"]["path"] == "/readyz"
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")["activity-api"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)


def test_workloads_run_hardened(rendered: list[Object]) -> None:
    assert set(workloads(rendered)) == {"agenda-ingest", "activity-api", "worker", "ditep-migrate"}
    for name, workload in workloads(rendered).items():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}, name
            assert set(container["resources"]["limits"]) == {"cpu", "memory"}, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts["/tmp"] in tmp_volumes, name


def test_apis_have_probes_services_budgets_and_autoscalers(rendered: list[Object]) -> None:
    deployments = by_kind(rendered, "Deployment")
    services = by_kind(rendered, "Service")
    budgets = by_kind(rendered, "PodDisruptionBudget")
    autoscalers = by_kind(rendered, "HorizontalPodAutoscaler")
    assert set(services) == set(budgets) == set(autoscalers) == set(API_PORTS)
    for name, port in API_PORTS.items():
        # The autoscaler owns the replica count: a replicas field would reset it at apply.
        assert "replicas" not in deployments[name]["spec"]
        container = pod_spec(deployments[name])["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        # Liveness on /healthz: a database outage must not restart every pod.
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert str(port) in container["command"]
        assert services[name]["spec"]["selector"] == {"app.kubernetes.io/name": name}
        assert autoscalers[name]["spec"]["scaleTargetRef"]["name"] == name
        assert budgets[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}


def test_the_worker_runs_ditep_worker_and_serves_nothing(rendered: list[Object]) -> None:
    worker = by_kind(rendered, "Deployment")["worker"]
    container = pod_spec(worker)["containers"][0]
    assert container["command"] == ["ditep", "worker"]
    assert "ports" not in container
    assert "readinessProbe" not in container
    assert container["livenessProbe"]["exec"]["command"][0] == "python"
    assert "worker" not in by_kind(rendered, "Service")
    job = by_kind(rendered, "Job")["ditep-migrate"]
    assert pod_spec(job)["containers"][0]["command"] == ["ditep", "migrate"]


def test_secrets_are_referenced_never_inlined(rendered: list[Object]) -> None:
    assert not by_kind(rendered, "Secret")
    for name, workload in workloads(rendered).items():
        env = {item["name"]: item for item in pod_spec(workload)["containers"][0]["env"]}
        for variable, key in (
            ("DITEP_PSEUDONYM_SECRET", "pseudonym-secret"),
            ("DITEP_DATABASE_URL", "database-url"),
        ):
            assert "value" not in env[variable], name
            reference = env[variable]["valueFrom"]["secretKeyRef"]
            assert reference == {"name": "ditep-secrets", "key": key}, name
    settings = by_kind(rendered, "ConfigMap")["ditep-settings"]["data"]
    assert not {"DITEP_PSEUDONYM_SECRET", "DITEP_DATABASE_URL"} & set(settings)
    assert settings["DITEP_ENVIRONMENT"] == "production"


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def test_only_the_database_clients_reach_postgresql(rendered: list[Object]) -> None:
    policies = by_kind(rendered, "NetworkPolicy")
    deny = policies["ditep-default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    reaching = set()
    for name, workload in workloads(rendered).items():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        for policy in policies.values():
            spec = policy["spec"]
            if not selects(spec["podSelector"], labels):
                continue
            for rule in spec.get("egress", []):
                if any(port.get("port") == 5432 for port in rule.get("ports", [])):
                    reaching.add(name)
                # No rule opens every port to everywhere (that would include PostgreSQL).
                assert rule.get("ports"), (policy["metadata"]["name"], rule)
    assert reaching == DATABASE_CLIENTS
    database = policies["ditep-database-clients"]["spec"]["egress"]
    assert database[0]["to"] == [{"ipBlock": {"cidr": "10.20.30.0/24"}}]
    postgres = policies["ditep-postgresql"]["spec"]["ingress"][0]["from"]
    assert postgres == [{"podSelector": {"matchLabels": {"ditep.fr/database-client": "true"}}}]


def test_the_ingress_routes_the_api_and_never_metrics(rendered: list[Object]) -> None:
    ingress = by_kind(rendered, "Ingress")["ditep"]
    paths = [
        (rule["host"], path["path"], path["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert {backend for _host, _path, backend in paths} == set(API_PORTS)
    assert {path for _host, path, _backend in paths} == {"/v1", "/problems", "/ui"}
    # The web app is activity-api's alone.
    assert {backend for _host, path, backend in paths if path == "/ui"} == {"activity-api"}
    assert all(not path.startswith(("/metrics", "/healthz", "/readyz")) for _, path, _ in paths)
    assert ingress["spec"]["tls"][0]["secretName"] == "ditep-tls"


def test_compose_runs_the_worker() -> None:
    compose = yaml.safe_load((REPO_ROOT / "deploy" / "compose.yaml").read_text("utf-8"))
    worker = compose["services"]["worker"]
    assert worker["command"] == ["ditep", "worker"]
    assert "ports" not in worker
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["environment"]["DITEP_PSEUDONYM_SECRET"].startswith("${DITEP_PSEUDONYM_SECRET")
    assert worker["environment"]["DITEP_DATABASE_URL"].startswith("postgresql+psycopg://")
