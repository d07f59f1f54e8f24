"""The deployment files (deploy/) checked statically against the code: there is no container
engine here, so this is what keeps docker-compose.yml and the Kubernetes manifests honest.
Images, ports, environment names and health checks must agree with what the services do."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set
from urllib.parse import urlsplit

import pytest
import yaml
from sanic import Sanic

from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
K8S_TEXT = (DEPLOY / "k8s" / "refund.yaml").read_text(encoding="utf-8")
K8S = [doc for doc in yaml.safe_load_all(K8S_TEXT) if doc]
TEMPLATE = (DEPLOY / "nginx" / "refund.conf.template").read_text(encoding="utf-8")
APP_IMAGE = "refund-assistant:1.0"
UPSTREAM = re.compile(r"REFUND_LB_(WEB|RASA|ACTIONS)_\d")  # the template's upstream servers (host:port)
KINDS = {"rasa": ("rasa1", "rasa2"), "actions": ("actions1", "actions2"), "web": ("web1", "web2")}
# What every service needs in production (settings refuse development secrets there).
REQUIRED = {"REFUND_ENV", "REFUND_DB_URL", "REFUND_REDIS_URL", "REFUND_JWT_SECRET", "REFUND_RASA_TOKEN",
            "REFUND_ACTION_TOKEN", "REFUND_RASA_URL", "REFUND_SITE_URL", "REFUND_UPLOAD_DIR"}
RASA_REQUIRED = set(re.findall(r"\$\{(\w+)\}", (PROJECT_ROOT / "endpoints.prod.yml").read_text(encoding="utf-8")))


def names_read_by_code() -> Set[str]:
    """Every REFUND_* name the code, Rasa's production files or the nginx template read."""
    sources = [*(PROJECT_ROOT / "bot").rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py"),
               PROJECT_ROOT / "migrations" / "env.py", PROJECT_ROOT / "endpoints.prod.yml",
               PROJECT_ROOT / "credentials.prod.yml", DEPLOY / "nginx" / "refund.conf.template"]
    return {name for path in sources for name in re.findall(r"REFUND_[A-Z0-9_]+", path.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def routes() -> Dict[str, Set[str]]:
    """The GET paths each kind of service really serves, from the apps themselves."""
    from rasa.core.channels.channel import register

    from actions.server import build_app
    from bot.channels.refund_socket import RefundSocketInput
    from bot.settings import load_settings
    from bot.storage.database import make_engine, session_factory
    from bot.web.app import create_app
    from bot.wiring import build_services

    Sanic.test_mode = True  # several apps in one process
    rasa = Sanic("rasa_probe")
    register([RefundSocketInput()], rasa, route="/webhooks/")
    web = create_app(build_services(load_settings(), session_factory(make_engine("sqlite://"))), name="web_probe")

    def paths(app: Sanic) -> Set[str]:
        return {"/" + route.path.strip("/") for route in app.router.routes if "GET" in route.methods}
    return {"rasa": paths(rasa), "actions": paths(build_app()), "web": paths(web)}


def command_port(command: List[str], env: Dict[str, str]) -> int:
    if "--port" in command:
        return int(command[command.index("--port") + 1])
    match = re.search(r"--port (\d+)", " ".join(command))
    return int(match.group(1)) if match else int(env["REFUND_WEB_PORT"])


# --- docker-compose -----------------------------------------------------------------------------

def compose_env(service: str) -> Dict[str, str]:
    return {k: str(v) for k, v in (COMPOSE["services"][service].get("environment") or {}).items()}


def test_compose_runs_two_of_each_service_from_one_image_plus_the_stores_and_nginx():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "nginx", "migrate", *sum(KINDS.values(), ())} <= set(services)
    for name in (*sum(KINDS.values(), ()), "migrate", "retention"):
        assert services[name]["image"] == APP_IMAGE and services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "--fixed-model-name refund --out models" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for name in KINDS["rasa"]:
        command = services[name]["command"]
        assert command[command.index("--model") + 1] == "models/refund.tar.gz"
        assert command[command.index("--endpoints") + 1] == "endpoints.prod.yml"
        assert command[command.index("--credentials") + 1] == "credentials.prod.yml"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_compose_health_checks_probe_real_readiness_routes_on_the_right_port(kind, routes):
    for name in KINDS[kind]:
        service = COMPOSE["services"][name]
        port = command_port(service["command"], compose_env(name))
        probe = re.search(r"https?://[^'\"]+", " ".join(service["healthcheck"]["test"])).group(0)
        url = urlsplit(probe)
        assert url.port == port and url.path in routes[kind] and url.path.endswith("ready"), probe


def test_compose_environment_names_are_ones_the_code_reads_and_nothing_required_is_missing():
    known = names_read_by_code()
    for name in COMPOSE["services"]:
        env = compose_env(name)
        unknown = {k for k in env if k.startswith("REFUND_")} - known
        assert not unknown, f"{name} sets names no code reads: {unknown}"
    for kind, names in KINDS.items():
        for name in names:
            missing = REQUIRED - set(compose_env(name)) | ((RASA_REQUIRED - set(compose_env(name))) if kind == "rasa" else set())
            assert not missing, f"{name} lacks {missing}"


def test_nginx_in_compose_points_every_upstream_at_a_service_and_its_port():
    env = compose_env("nginx")
    assert set(re.findall(r"\$\{(\w+)\}", TEMPLATE)) == {k for k in env if k.startswith("REFUND_LB_")}
    for key, value in env.items():
        if UPSTREAM.fullmatch(key):
            host, port = value.split(":")
            service = COMPOSE["services"][host]
            assert command_port(service["command"], compose_env(host)) == int(port), key
    internal = {k: v for k, v in compose_env("web1").items() if k in ("REFUND_RASA_URL",)}
    assert urlsplit(internal["REFUND_RASA_URL"]).port == int(env["REFUND_LB_RASA_API_PORT"])
    assert urlsplit(compose_env("rasa1")["REFUND_ACTION_URL"]).port == int(env["REFUND_LB_ACTIONS_PORT"])
    published = COMPOSE["services"]["nginx"]["ports"][0].split(":")[1]
    assert published == env["REFUND_LB_PUBLIC_PORT"]


def test_nginx_template_pins_sockets_and_keeps_metrics_internal():
    socket_upstream = re.search(r"upstream refund_rasa_socket \{(.*?)\}", TEMPLATE, re.S).group(1)
    assert "hash" in socket_upstream and "$arg_token" in socket_upstream
    public = TEMPLATE[TEMPLATE.index("# Public"):TEMPLATE.index("# Internal")]
    assert "location ^~ /metrics { return 404; }" in public and "/conversations" not in public
    assert "/webhooks" not in public  # the Rasa HTTP API and REST channel are not public


# --- Kubernetes ---------------------------------------------------------------------------------

def k8s(kind: str, name: str) -> dict:
    return next(d for d in K8S if d["kind"] == kind and d["metadata"]["name"] == name)


def workloads() -> List[dict]:
    return [d for d in K8S if d["kind"] in ("Deployment", "StatefulSet")]


def test_every_k8s_document_is_well_formed_and_selectors_match_their_pods():
    for doc in K8S:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name")
    for workload in workloads():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for service in (d for d in K8S if d["kind"] == "Service"):
        pods = [w for w in workloads()
                if service["spec"]["selector"].items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert pods, f"service {service['metadata']['name']} selects nothing"
        container_ports = {p["containerPort"] for w in pods for c in w["spec"]["template"]["spec"]["containers"]
                           for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports


@pytest.mark.parametrize("kind,name", [("StatefulSet", "rasa"), ("Deployment", "actions"), ("Deployment", "web")])
def test_k8s_app_containers_use_the_image_ports_and_probes_of_the_code(kind, name, routes):
    workload = k8s(kind, name)
    assert workload["spec"]["replicas"] >= 2
    container = workload["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == APP_IMAGE
    env = {e["name"]: str(e.get("value")) for e in container.get("env", [])}
    port = command_port(container["command"], env)
    assert [p["containerPort"] for p in container["ports"]] == [port]
    for probe in ("livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        assert get["port"] == port and get["path"] in routes[name], (probe, get)
    assert container["readinessProbe"]["httpGet"]["path"].endswith("ready")


def test_k8s_environment_names_are_read_by_the_code_and_cover_what_production_needs():
    known = names_read_by_code()
    config = set(k8s("ConfigMap", "refund-config")["data"])
    secrets = set(re.findall(r"--from-literal=(\w+)=", K8S_TEXT))
    inline = {e["name"] for w in workloads() for c in w["spec"]["template"]["spec"]["containers"]
              for e in c.get("env", [])}
    assert {n for n in config | secrets | inline if n.startswith("REFUND_")} <= known
    assert REQUIRED | RASA_REQUIRED <= config | secrets
    for workload in workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for ref in container.get("envFrom", []):
                assert ref.get("configMapRef", {}).get("name", "refund-config") == "refund-config"
                assert ref.get("secretRef", {}).get("name", "refund-secrets") == "refund-secrets"


def test_k8s_nginx_upstreams_name_real_services_and_pods():
    container = k8s("Deployment", "nginx")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert set(re.findall(r"\$\{(\w+)\}", TEMPLATE)) == set(env)
    rasa = k8s("StatefulSet", "rasa")
    for key, value in env.items():
        if not UPSTREAM.fullmatch(key):
            continue
        host, port = value.split(":")
        pod = re.fullmatch(r"(\w+)-(\d+)\.(\w+)", host)
        if pod:  # a StatefulSet pod behind its headless service
            assert pod.group(1) == pod.group(3) == "rasa" and int(pod.group(2)) < rasa["spec"]["replicas"]
            host = "rasa"
        service = k8s("Service", host)
        assert int(port) in {p["port"] for p in service["spec"]["ports"]}, key
    assert {p["containerPort"] for p in container["ports"]} == {
        int(env[k]) for k in ("REFUND_LB_PUBLIC_PORT", "REFUND_LB_RASA_API_PORT", "REFUND_LB_ACTIONS_PORT")}
    config = k8s("ConfigMap", "refund-config")["data"]
    assert urlsplit(config["REFUND_RASA_URL"]).port == int(env["REFUND_LB_RASA_API_PORT"])
    assert urlsplit(config["REFUND_ACTION_URL"]).port == int(env["REFUND_LB_ACTIONS_PORT"])


def test_the_retention_job_is_scheduled_with_the_upload_volume():
    job = k8s("CronJob", "refund-retention")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["python", "-m", "bot.retention"]
    assert job["volumes"][0]["persistentVolumeClaim"]["claimName"] == "refund-uploads"
    assert Path(PROJECT_ROOT / "bot" / "retention.py").exists()


# --- security of the deployment -----------------------------------------------------------------

def network_policies() -> Dict[str, dict]:
    return {d["metadata"]["name"]: d["spec"] for d in K8S if d["kind"] == "NetworkPolicy"}


def allowed_sources(app: str) -> Dict[int, Set[str]]:
    """port -> the `app` labels of the pods a NetworkPolicy lets reach pods labelled `app`
    ("*" for anyone, "tier=app" for the application's own pods)."""
    sources: Dict[int, Set[str]] = {}
    for spec in network_policies().values():
        if spec["podSelector"].get("matchLabels", {}).get("app") != app:
            continue
        for rule in spec.get("ingress", []):
            names = {"*"} if "from" not in rule else {
                next((f"{k}={v}" if k != "app" else v) for k, v in peer["podSelector"]["matchLabels"].items())
                for peer in rule["from"]}
            for port in rule["ports"]:
                sources.setdefault(port["port"], set()).update(names)
    return sources


def test_k8s_denies_all_ingress_unless_a_policy_allows_it():
    deny = [s for s in network_policies().values() if s["podSelector"] == {} and "ingress" not in s]
    assert deny and deny[0]["policyTypes"] == ["Ingress"]
    apps = {w["spec"]["template"]["metadata"]["labels"]["app"] for w in workloads()}
    assert apps <= {s["podSelector"].get("matchLabels", {}).get("app") for s in network_policies().values()}


def test_k8s_only_rasa_reaches_the_actions_and_only_the_apps_reach_the_stores():
    assert allowed_sources("actions") == {5055: {"nginx", "rasa"}}
    nginx = allowed_sources("nginx")
    assert nginx[8080] == {"*"} and nginx[8081] == {"web"} and nginx[8082] == {"rasa"}
    assert allowed_sources("postgres") == {5432: {"tier=app"}} and allowed_sources("redis") == {6379: {"tier=app"}}
    assert allowed_sources("rasa") == {5005: {"nginx"}} and allowed_sources("web") == {8000: {"nginx"}}
    labelled = {w["metadata"]["name"] for w in workloads() + [d for d in K8S if d["kind"] in ("Job",)]
                if w["spec"]["template"]["metadata"].get("labels", {}).get("tier") == "app"}
    assert {"rasa", "actions", "web", "refund-migrate"} <= labelled
    retention = k8s("CronJob", "refund-retention")["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
    assert retention["labels"]["tier"] == "app"


def test_redis_has_a_password_in_both_manifests_and_every_client_uses_it():
    redis_command = " ".join(COMPOSE["services"]["redis"]["command"])
    assert "--requirepass ${REFUND_REDIS_PASSWORD}" in redis_command
    assert compose_env("web1")["REFUND_REDIS_URL"].startswith("redis://:${REFUND_REDIS_PASSWORD}@")
    assert "REFUND_REDIS_PASSWORD" in compose_env("rasa1")
    pod = k8s("Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]
    assert "--requirepass" in " ".join(pod["command"])
    assert pod["env"][0]["valueFrom"]["secretKeyRef"]["key"] == "REFUND_REDIS_PASSWORD"
    assert "REFUND_REDIS_URL" not in k8s("ConfigMap", "refund-config")["data"]  # it holds the password
    assert "--from-literal=REFUND_REDIS_URL=redis://:" in K8S_TEXT
    assert "password: ${REFUND_REDIS_PASSWORD}" in (PROJECT_ROOT / "endpoints.prod.yml").read_text(encoding="utf-8")


def test_rasa_authenticates_to_the_action_server_and_limits_bodies_everywhere():
    for name in ("endpoints.yml", "endpoints.prod.yml"):
        text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
        assert "X-Refund-Action-Token: ${REFUND_ACTION_TOKEN}" in text, name
    assert compose_env("rasa1")["SANIC_REQUEST_MAX_SIZE"] == "1048576"
    assert k8s("ConfigMap", "refund-config")["data"]["SANIC_REQUEST_MAX_SIZE"] == "1048576"
    public = TEMPLATE[TEMPLATE.index("# Public"):TEMPLATE.index("# Internal")]
    assert re.search(r"listen \$\{REFUND_LB_PUBLIC_PORT\};\s*(#.*\n\s*)*client_max_body_size 64k;", public)
    upload = re.search(r"location /upload/ \{(.*?)\}", public, re.S).group(1)
    assert "client_max_body_size 110m" in upload and "proxy_request_buffering off" in upload
