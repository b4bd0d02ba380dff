"""Deployment files, checked by reading them (no Docker engine runs here): they load, refer to files that exist,
and set only settings the code reads, with values the settings accept."""

from __future__ import annotations

import itertools
import re
import secrets
import shlex
import tomllib
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
import yaml

from api.security_headers import ALWAYS, APP_PAGE
from bachata_common.settings import API_ONLY, PROJECT_ROOT, JobSettings, Settings, environment_names

DOCKERFILES = {"api": "api/Dockerfile", "frontend": "frontend/Dockerfile", "job": "ray_pipeline/Dockerfile"}
CLOUD_RUN = {"api": "api/cloudrun-service.yaml", "frontend": "frontend/cloudrun-service.yaml",
             "job": "ray_pipeline/cloudrun-job.yaml"}  # fmt: skip
STAND_IN_SECRET = secrets.token_urlsafe(32)  # what an operator's secret looks like (production refuses "x" * 40)
JOB_CONTRACT = {"TASK_ID", "USER_ID", "AUDIO_INPUT", "DIFFICULTY", "ENERGY_LEVEL", "STYLE", "ORIGINAL_QUERY"}


def load(relative: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / relative).read_text())


def instructions(relative: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (PROJECT_ROOT / relative).read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def locked_version(package: str) -> str:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    return next(p["version"] for p in lock["package"] if p["name"] == package)


def expand(value: str) -> str:
    """Compose's ${VAR:-default} and ${VAR:?message}: the default, or a stand-in for a required value."""
    value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{\w+:\?[^}]*\}", STAND_IN_SECRET, value)


def container_env(container: dict) -> dict[str, str]:
    """A Cloud Run container's env, secrets replaced by stand-ins."""
    return {item["name"]: item.get("value", STAND_IN_SECRET) for item in container["env"]}


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, kind: type[Settings] = Settings) -> Settings:
    for name in environment_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return kind(_env_file=None)


@pytest.mark.parametrize(
    "relative", ["docker-compose.yml", "cluster.yaml", *CLOUD_RUN.values(), "frontend/nginx.conf.template"]
)
def test_files_exist_and_yaml_loads(relative):
    assert (PROJECT_ROOT / relative).is_file()
    if relative.endswith((".yml", ".yaml")):
        assert isinstance(load(relative), dict)


@pytest.mark.parametrize("image", DOCKERFILES)
def test_dockerfiles_copy_files_that_exist_and_are_not_ignored(image):
    steps = instructions(DOCKERFILES[image])
    assert steps[0][0] == "FROM"
    ignored = [line for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines() if line]
    copies = [args for name, args in steps if name in ("COPY", "ADD") and not args.startswith("--from")]
    assert copies
    for args in copies:
        *sources, _target = shlex.split(args)
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"{DOCKERFILES[image]} copies missing {source}"
            assert not any(Path(source).match(pattern) for pattern in ignored), f"{source} is in .dockerignore"
    assert any(name in ("CMD", "ENTRYPOINT") for name, _ in steps) or image == "frontend"  # nginx's own CMD


def test_api_and_frontend_images_serve_on_8080_as_cloud_run_expects():
    for image in ("api", "frontend"):
        assert ("EXPOSE", "8080") in instructions(DOCKERFILES[image])
        (container,) = load(CLOUD_RUN[image])["spec"]["template"]["spec"]["containers"]
        assert container["ports"] == [{"containerPort": 8080}]
    api_cmd = dict(instructions(DOCKERFILES["api"]))["CMD"]
    assert '"--port", "8080"' in api_cmd
    assert "listen 8080;" in (PROJECT_ROOT / "frontend/nginx.conf.template").read_text()


def test_job_image_takes_cpu_torch_at_the_locked_versions_and_warms_numba():
    steps = instructions(DOCKERFILES["job"])
    args = dict(args.split("=", 1) for name, args in steps if name == "ARG")
    assert args["TORCH_VERSION"] == locked_version("torch")
    assert args["TORCHVISION_VERSION"] == locked_version("torchvision")
    runs = " ".join(args for name, args in steps if name == "RUN")
    assert "https://download.pytorch.org/whl/cpu" in runs and "ffmpeg" in runs
    assert "python -m ray_pipeline.warmup" in runs
    assert dict(steps)["CMD"] == '["python", "-m", "ray_pipeline"]'
    env = " ".join(args for name, args in steps if name == "ENV")
    assert "NUMBA_CACHE_DIR=" in env and "YOLO_OFFLINE=1" in env


def test_compose_has_the_stack_and_pins_elasticsearch_to_the_clients_major():
    compose = load("docker-compose.yml")
    services = compose["services"]
    assert set(services) == {"postgres", "elasticsearch", "api", "frontend", "job"}
    assert services["postgres"]["image"] == "postgres:15"
    server_major = services["elasticsearch"]["image"].rsplit(":", 1)[1].split(".")[0]
    assert server_major == locked_version("elasticsearch").split(".")[0]
    assert services["elasticsearch"]["environment"]["discovery.type"] == "single-node"
    assert services["elasticsearch"]["environment"]["xpack.security.enabled"] == "false"
    assert services["job"]["profiles"] == ["job"]
    for name, service in services.items():
        if "build" in service:
            assert (PROJECT_ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file(), name
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source.startswith(("$", ".", "/")) or source in compose["volumes"], f"{name}: {source}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


@pytest.mark.parametrize("service", ["api", "job"])
def test_compose_env_is_made_of_settings_that_accept_it(service, monkeypatch):
    compose = load("docker-compose.yml")
    env = {name: expand(value) for name, value in compose["services"][service]["environment"].items()}
    assert set(env) - JOB_CONTRACT <= environment_names(), set(env) - JOB_CONTRACT - environment_names()
    settings = settings_from({k: v for k, v in env.items() if k not in JOB_CONTRACT}, monkeypatch,
                             JobSettings if service == "job" else Settings)  # fmt: skip
    assert settings.environment == "production"
    assert "@postgres:5432/bachata_buddy" in settings.sqlalchemy_url
    assert settings.move_index == "elasticsearch"
    assert settings.elasticsearch_url == "http://elasticsearch:9200"
    assert settings.pose_weights is None  # POSE_WEIGHTS left empty means off
    postgres = compose["services"]["postgres"]["environment"]
    assert (settings.db_name, settings.db_user) == (postgres["POSTGRES_DB"], postgres["POSTGRES_USER"])


def test_cloud_run_job_has_the_sizes_retries_and_settings():
    job = load(CLOUD_RUN["job"])
    execution = job["spec"]["template"]["spec"]
    task = execution["template"]["spec"]
    (container,) = task["containers"]
    assert job["metadata"]["name"] == Settings.model_fields["cloud_run_job_name"].default
    assert container["resources"]["limits"] == {"cpu": "4", "memory": "4Gi"}
    assert (task["timeoutSeconds"], task["maxRetries"], execution["parallelism"]) == (3600, 3, 5)
    assert container_env(container)["RENDER_MAX_RETRIES"] == str(task["maxRetries"])
    secrets = {item["name"] for item in container["env"] if "valueFrom" in item}
    assert "DB_PASSWORD" in secrets and not secrets & API_ONLY  # the job signs nothing: no signing key
    assert all(item["valueFrom"]["secretKeyRef"]["name"] for item in container["env"] if "valueFrom" in item)


@pytest.mark.parametrize("service", ["api", "job"])
def test_cloud_run_env_is_made_of_settings_that_accept_it(service, monkeypatch):
    document = load(CLOUD_RUN[service])
    spec = document["spec"]["template"]["spec"]
    containers = spec["template"]["spec"]["containers"] if service == "job" else spec["containers"]
    env = container_env(containers[0])
    assert set(env) <= environment_names(), set(env) - environment_names()
    settings = settings_from(env, monkeypatch, JobSettings if service == "job" else Settings)
    assert settings.storage_backend == "gcs" and settings.move_index == "elasticsearch"
    assert "host=%2Fcloudsql%2F" in settings.sqlalchemy_url  # Cloud SQL through its unix socket
    annotations = document["spec"]["template"]["metadata"]["annotations"]
    assert settings.db_host == "/cloudsql/" + annotations["run.googleapis.com/cloudsql-instances"]
    if service == "api":
        assert settings.launcher == "cloudrun"
        assert settings.cloud_run_job_name == load(CLOUD_RUN["job"])["metadata"]["name"]


def test_the_api_trusts_exactly_the_proxies_in_front_of_it(monkeypatch):
    compose = load("docker-compose.yml")
    services = compose["services"]
    nginx = services["frontend"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert services["api"]["environment"]["TRUSTED_PROXIES"] == nginx  # the proxy, not the whole network
    assert ip_address(nginx) in ip_network(subnet)
    cloud_run = container_env(load(CLOUD_RUN["api"])["spec"]["template"]["spec"]["containers"][0])
    assert settings_from(cloud_run, monkeypatch).trusted_proxies  # Cloud Run's front end is trusted


def test_nginx_sends_the_apps_own_security_headers_wherever_it_serves_files():
    template = (PROJECT_ROOT / "frontend/nginx.conf.template").read_text()
    locations = re.findall(r"location (\S+) \{(.*?)\n    \}", template, flags=re.S)
    serving = {path: body for path, body in locations if "try_files" in body}
    assert set(serving) == {"/assets/", "/"}
    for path, body in serving.items():
        headers = dict(re.findall(r'add_header ([\w-]+) "([^"]*)"', body))
        assert headers.get("Content-Security-Policy") == APP_PAGE, path
        assert {name: headers.get(name) for name in ALWAYS} == ALWAYS, path


def test_api_and_job_share_one_bucket_and_index():
    job = container_env(load(CLOUD_RUN["job"])["spec"]["template"]["spec"]["template"]["spec"]["containers"][0])
    api = container_env(load(CLOUD_RUN["api"])["spec"]["template"]["spec"]["containers"][0])
    for name in ("GCS_BUCKET_NAME", "ELASTICSEARCH_URL", "DB_HOST", "DB_NAME", "DB_USER"):
        assert api[name] == job[name], name


def test_ray_cluster_runs_the_job_image_with_shared_memory_and_a_loopback_dashboard():
    cluster = load("cluster.yaml")
    job_image = load(CLOUD_RUN["job"])["spec"]["template"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert cluster["provider"]["type"] == "gcp"
    assert cluster["docker"]["image"].rsplit("/", 1)[1] == job_image.rsplit("/", 1)[1]
    assert any(option.startswith("--shm-size=") for option in cluster["docker"]["run_options"])
    nodes = cluster["available_node_types"]
    assert cluster["head_node_type"] in nodes
    workers = [node for name, node in nodes.items() if name != cluster["head_node_type"]]
    assert workers and all(node["resources"]["CPU"] > 0 for node in workers)
    assert cluster["max_workers"] >= max(node["max_workers"] for node in workers)
    head = " ".join(cluster["head_start_ray_commands"])
    assert "--dashboard-host=127.0.0.1" in head
    words = head.split()
    assert ("ray", "stop") not in set(itertools.pairwise(words))  # it would end every Ray process on the node


def test_readme_documents_the_deployment():
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    for relative in [*DOCKERFILES.values(), *CLOUD_RUN.values(), "docker-compose.yml", "cluster.yaml"]:
        assert relative in section, relative


def test_a_compose_service_that_renders_locally_is_built_with_the_render_code():
    """The api service ran renders in its container (JOB_LAUNCHER=local) from an image without ray_pipeline."""
    services = load("docker-compose.yml")["services"]
    local = [
        name for name, service in services.items() if service.get("environment", {}).get("JOB_LAUNCHER") == "local"
    ]
    assert local
    for name in local:
        dockerfile = (PROJECT_ROOT / services[name]["build"]["dockerfile"]).read_text()
        assert "COPY ray_pipeline" in dockerfile, name
        assert services[name].get("shm_size"), f"{name}: Ray's object store needs a /dev/shm of some size"
