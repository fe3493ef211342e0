"""deploy/k8s/, checked without a cluster: valid against Kubernetes' own schemas, every command
names code that exists, every process probed and given the settings production requires."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from ops.cli import build_parser
from ops.stack import KEEP_ALIVE_SECONDS
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.objects import ObjectStore
from services.common.settings import ConfigurationError
from tests.foundation.production import PRODUCTION, SETTINGS_OF, set_environment

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# The oldest Kubernetes release still maintained upstream when these were written.
KUBERNETES_VERSION = "1.33.0"


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def test_every_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    kinds = set()
    for document in documents():
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        kinds.add(document["kind"])
    assert {"Deployment", "Service", "Job", "Secret", "ConfigMap", "HorizontalPodAutoscaler"} <= kinds


def test_kustomization_applies_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_every_process_runs_code_that_exists_with_probes_on_its_health_routes() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == {"catalog", "certification", "orders", "gateway", "storefront", "worker"}
    services = of_kind("Service")
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        command = container["command"]
        if command[0] == "uvicorn":
            module_name, _, factory = command[1].partition(":")
            assert callable(getattr(importlib.import_module(module_name), factory)), name
            port = int(command[command.index("--port") + 1])
            assert command[command.index("--timeout-keep-alive") + 1] == str(KEEP_ALIVE_SECONDS), name
            assert container["ports"] == [{"name": "http", "containerPort": port}], name
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
            assert services[name]["spec"]["ports"][0]["port"] == port, name
        else:
            assert command[0] == "tongnan", name
            build_parser().parse_args(command[1:])
        references = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert references == {"tongnan-config", "tongnan-secrets"}, name
    [job] = of_kind("Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["tongnan", "migrate"]


def test_documents_and_pictures_are_in_one_s3_bucket_that_every_replica_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pods of one service run on different nodes: their files are in S3, not on a pod's disk."""
    assert "PersistentVolumeClaim" not in {d["kind"] for d in documents()}
    deployments = of_kind("Deployment")
    for service in ("certification", "catalog"):
        pod = deployments[service]["spec"]["template"]["spec"]
        assert "volumes" not in pod and "volumeMounts" not in pod["containers"][0], service
        assert deployments[service]["spec"]["replicas"] >= 2, service
    set_environment(monkeypatch, environment(PRODUCTION))  # the AWS_* variables too
    documents_url, images_url = CertificationSettings().documents_url, CatalogSettings().images_url
    assert documents_url and images_url and documents_url != images_url
    for url in (documents_url, images_url):
        assert urlsplit(url).scheme == "s3" and urlsplit(url).path.strip("/"), url  # a bucket and a prefix
        assert not ObjectStore.s3(url).is_local
    secret = of_kind("Secret")["tongnan-secrets"]["stringData"]
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(secret)
    assert of_kind("ConfigMap")["tongnan-config"]["data"]["AWS_REGION"]


def test_the_gateway_scales_on_cpu() -> None:
    hpa = of_kind("HorizontalPodAutoscaler")["gateway"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert hpa["minReplicas"] >= 2


def environment(secret_values: dict[str, str]) -> dict[str, str]:
    config = of_kind("ConfigMap")["tongnan-config"]["data"]
    secret = of_kind("Secret")["tongnan-secrets"]["stringData"]
    return {**config, **{k: secret_values.get(k, v) for k, v in secret.items()}}


@pytest.mark.parametrize("process", sorted(SETTINGS_OF))
def test_every_process_starts_in_production_once_the_secret_holds_real_values(
    monkeypatch: pytest.MonkeyPatch, process: str
) -> None:
    set_environment(monkeypatch, environment(PRODUCTION))
    for cls in SETTINGS_OF[process]:
        settings = cls()
        assert settings.environment == "production"  # type: ignore[attr-defined]


@pytest.mark.parametrize("process", sorted(SETTINGS_OF))
def test_the_placeholders_in_the_secret_are_refused_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, process: str
) -> None:
    set_environment(monkeypatch, environment({}))
    with pytest.raises(ConfigurationError) as refused:
        for cls in SETTINGS_OF[process]:
            cls()
    message = str(refused.value)
    assert "\n" not in message and "TONGNAN_" in message, message


def test_nats_comes_from_its_official_helm_chart_with_jetstream_on_volumes() -> None:
    chart = yaml.safe_load((K8S / "nats" / "Chart.yaml").read_text())
    [nats] = chart["dependencies"]
    assert (nats["name"], nats["repository"]) == ("nats", "https://nats-io.github.io/k8s/helm/charts/")
    values = yaml.safe_load((K8S / "nats" / "values.yaml").read_text())
    assert values["nats"]["config"]["jetstream"]["enabled"] is True
    assert values["nats"]["config"]["jetstream"]["fileStore"]["pvc"]["size"]
