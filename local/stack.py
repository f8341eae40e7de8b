"""Wires the local stack together: moto, the template's resources, handlers, events, API, seed.

Start order matters: moto first (its port goes into `AWS_ENDPOINT_URL`), then resources from
the template, then the functions' environment (it names those resources), then event sources
and the outbox, then demo data (it runs the app's own code), and the API last, so the ready
line means every piece answers.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from local.docs import DocsSite
from local.events import EventSourceContext, SchedulerPoller, Service, wire_event_sources
from local.gateway import ApiGateway, GatewayServer, build_gateway
from local.lambdas import LocalFunctions, build_function_specs, install_lambda_invoke_router, split_environment
from local.launcher import READY_MESSAGE
from local.outbox import Outbox
from local.provision import Provisioned, provision
from local.seed import DEMO_PASSWORD, DEMO_USERS, SeedContext, run_seed
from local.template import DEFAULT_STACK_NAME, REGION, Resolver, Template, load_template
from local.web import WebApp

log = logging.getLogger("local.stack")

USER_POOL_TYPE = "AWS::Cognito::UserPool"
SENDER_VARIABLES = ("SENDER_EMAIL",)
# Template parameters the local stack sets unless its settings name them. AllowedOrigin: deployed, an
# empty value means the stack's CloudFront domain; locally there is none, and the app is served beside
# the API on a port known only at start (see `_allow_web_origin_on_buckets`), so the origin stays the
# one a separately served front end (and the tests) use.
# The stack's parameters that differ locally. The per-user rate limits are off: the local stack is
# driven by tests and load runs at machine speed as a handful of users (the limiter itself is tested
# through the handlers, tests/integration/test_rate_limits.py).
LOCAL_PARAMETERS: dict[str, str] = {
    "AllowedOrigin": "http://localhost:5173",
    "RateLimitReadsPerMinute": "0",
    "RateLimitWritesPerMinute": "0",
    # Browse pages are read fresh: tests and load runs check a listing shows up at once.
    "BrowseCacheSeconds": "0",
}


@dataclass
class StackSettings:
    repo_root: Path
    api_port: int = 3000
    moto_port: int = 5005
    host: str = "127.0.0.1"
    outbox_dir: Path = Path(".local/outbox")
    seed: bool = True
    stack_name: str = DEFAULT_STACK_NAME
    parameter_overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template_path(self) -> Path:
        return self.repo_root / "template.yaml"

    @property
    def layer_dir(self) -> Path:
        return self.repo_root / "layers" / "realty"


def _process_environment() -> dict[str, str]:
    """What every handler sees regardless of the template: fake credentials, region, quiet Powertools."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        # EMF metric lines for every request would drown the console.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


class LocalStack:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self._moto: Any = None
        self.moto_url = ""
        self.api_url = ""
        self.template: Template | None = None
        self.resolver: Resolver | None = None
        self.resources: dict[str, Provisioned] = {}
        self.functions: LocalFunctions | None = None
        self.gateway: ApiGateway | None = None
        self._server: GatewayServer | None = None
        self._server_thread: threading.Thread | None = None
        self._services: list[Service] = []
        self._uninstall_router: Any = None
        self.seed_context: SeedContext | None = None

    # ------------------------------------------------------------ start

    def start(self) -> None:
        self._prepare_process()
        self._bind_api()
        self._start_moto()
        self._provision()
        self._load_functions()
        self._start_event_sources()
        if self.settings.seed:
            self._seed()
        self._start_gateway()

    def _prepare_process(self) -> None:
        # The one place that puts the layer on sys.path: handlers never do, deployed code gets it from the layer.
        layer = str(self.settings.layer_dir)
        if layer not in sys.path:
            sys.path.insert(0, layer)
        os.environ.update(_process_environment())
        os.environ.pop("POWERTOOLS_DEV", None)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # Metrics are disabled locally; Powertools still warns on every flush of an empty set.
        warnings.filterwarnings("ignore", message="No application metrics to publish")

    def _bind_api(self) -> None:
        """The API's port first: the web app is served from it, so it is the origin CORS must allow."""
        self._server = GatewayServer((self.settings.host, self.settings.api_port))
        host, port = self._server.server_address[:2]
        self.api_url = f"http://{host!s}:{port}"

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        from local import moto_fixes

        moto_fixes.install()
        if os.environ.get("REALTY_PARTITION_LOG"):  # `make load PROFILE=peak`: the hottest partitions
            from local import partitions

            partitions.install(Path(os.environ["REALTY_PARTITION_LOG"]))
        self._moto = ThreadedMotoServer(ip_address=self.settings.host, port=self.settings.moto_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = self.moto_url
        # moto's Step Functions interpreter builds its own clients against localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(port)
        self._moto_config({"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})

    def _moto_config(self, config: Mapping[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.moto_url}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _provision(self) -> None:
        self.template = load_template(self.settings.template_path)
        self.resolver = Resolver(
            self.template,
            stack_name=self.settings.stack_name,
            parameter_overrides={**LOCAL_PARAMETERS, **_environment_parameters(), **self.settings.parameter_overrides},
        )
        self.resources = provision(self.resolver, endpoint_url=self.moto_url)
        created = sum(1 for item in self.resources.values() if item.created)
        log.info("provisioned %d resources from %s", created, self.settings.template_path.name)
        self._allow_web_origin_on_buckets()

    def _allow_web_origin_on_buckets(self) -> None:
        """Buckets the browser posts to (photo uploads) also accept the local web app's origin.

        Deployed, the app's origin is the distribution's domain (or `AllowedOrigin`, for a custom domain).
        Locally the app is served beside the API (local/web.py), on a port known only at start, while
        `AllowedOrigin` is the local default (`LOCAL_PARAMETERS`: what a separately served front end, and
        the tests, use): each CORS rule gets both origins.
        """
        assert self.template is not None
        s3 = _client("s3", self.moto_url)
        for logical_id, _ in self.template.resources_of_type("AWS::S3::Bucket"):
            bucket = self.resources.get(logical_id)
            if bucket is None:
                continue
            try:
                rules = s3.get_bucket_cors(Bucket=str(bucket.ref))["CORSRules"]
            except s3.exceptions.ClientError:
                continue  # no CORS configuration: the browser never talks to this bucket
            for rule in rules:
                rule["AllowedOrigins"] = sorted({*rule.get("AllowedOrigins", []), self.api_url})
            s3.put_bucket_cors(Bucket=str(bucket.ref), CORSConfiguration={"CORSRules": rules})

    def _load_functions(self) -> None:
        assert self.template is not None and self.resolver is not None
        specs = build_function_specs(self.template, self.resolver)
        globals_env = self.resolver.resolve(
            ((self.template.globals.get("Function") or {}).get("Environment") or {}).get("Variables") or {}
        )
        shared, overrides = split_environment(specs, {key: str(value) for key, value in globals_env.items()})
        os.environ.update(shared)
        pool_id = self.user_pool_id
        if pool_id:
            os.environ["COGNITO_JWKS_URL"] = f"{self.moto_url}/{pool_id}/.well-known/jwks.json"
        self._verify_senders(shared, overrides)
        self.functions = LocalFunctions(specs, overrides)
        self._uninstall_router = install_lambda_invoke_router(self.functions)
        # Chime has no emulator: the handlers get the local stand-in through the layer's seam. Imported
        # here, not at the top: the layer is importable only once `_prepare_process` put it on sys.path.
        from local import meetings

        meetings.install()

    @property
    def user_pool_id(self) -> str | None:
        assert self.template is not None
        for logical_id, _ in self.template.resources_of_type(USER_POOL_TYPE):
            if logical_id in self.resources:
                return str(self.resources[logical_id].ref)
        return None

    def _verify_senders(self, shared: Mapping[str, str], overrides: Mapping[str, Mapping[str, str]]) -> None:
        """SES refuses mail from unverified identities; verify the senders' domains, as a deploy runbook would."""
        addresses = {shared[name] for name in SENDER_VARIABLES if name in shared}
        addresses |= {env[name] for env in overrides.values() for name in SENDER_VARIABLES if name in env}
        sesv2 = _client("sesv2", self.moto_url)
        for domain in sorted({address.rsplit("@", 1)[-1] for address in addresses if "@" in address}):
            sesv2.create_email_identity(EmailIdentity=domain)

    def _start_event_sources(self) -> None:
        assert self.functions is not None and self.resolver is not None
        # One client per service for every poller: building a client loads its service model from JSON,
        # which a poller ticking a few times a second would otherwise pay on every tick.
        clients: dict[str, Any] = {}
        lock = threading.Lock()

        def client(service: str) -> Any:
            with lock:
                if service not in clients:
                    clients[service] = _client(service, self.moto_url)
                return clients[service]

        context = EventSourceContext(functions=self.functions, resolver=self.resolver, client=client)
        self._services = [
            *wire_event_sources(context),
            SchedulerPoller(context),
            Outbox(self.settings.outbox_dir),
        ]
        for service in self._services:
            service.start()

    def _seed(self) -> None:
        assert self.resolver is not None
        pool_id = self.user_pool_id
        if pool_id is None:
            log.warning("the template has no user pool; skipping demo users")
            return
        self.seed_context = SeedContext(
            client=lambda service: _client(service, self.moto_url), refs=dict(self.resolver.refs)
        )
        run_seed(self.seed_context, pool_id)

    def _start_gateway(self) -> None:
        assert self.template is not None and self.resolver is not None and self.functions is not None
        docs = DocsSite(openapi_path=self.settings.repo_root / "docs" / "openapi.json")
        web = WebApp(
            dist_dir=self.settings.repo_root / "web" / "dist", config=self.web_config, storage_origin=self.moto_url
        )
        self.gateway = build_gateway(self.template, self.resolver, self.functions, docs, web)
        assert self._server is not None
        self._server.gateway = self.gateway
        self.gateway.base_url = self.api_url
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="gateway", daemon=True
        )
        self._server_thread.start()

    def web_config(self) -> dict[str, Any]:
        """The web app's /config.json: what the deploy writes beside the bundle, for this stack."""
        return {
            "apiBaseUrl": f"{self.api_url}/api/v1",
            "userPoolId": os.environ.get("USER_POOL_ID", ""),
            "userPoolClientId": os.environ.get("USER_POOL_CLIENT_ID", ""),
            "region": REGION,
            "stage": os.environ.get("STAGE", "dev"),
            # The local meetings adapter creates meetings without media: the app shows a preview only.
            "chimeMedia": False,
        }

    # ------------------------------------------------------------ stop

    def stop(self) -> None:
        if self._server is not None:
            if self._server_thread is not None:  # shutdown() waits for a serve_forever() that never ran otherwise
                self._server.shutdown()
            self._server.server_close()
        if self._server_thread is not None:
            self._server_thread.join(timeout=5)
        for service in reversed(self._services):
            service.stop()
        if self._uninstall_router is not None:
            self._uninstall_router()
        if self.functions is not None:
            from local import meetings

            meetings.uninstall()
        if self._moto is not None:
            self._moto.stop()

    # ------------------------------------------------------------ banner

    def banner(self) -> str:
        api = f"{self.api_url}/api/v1"
        logins = "\n".join(f"    {user.email:<22} {user.role}" for user in DEMO_USERS)
        return f"""
  RealtyForYou local stack
  ------------------------
  Web app    {self.api_url}/
  API        {api}
  Docs       {self.api_url}/docs
  moto       {self.moto_url}   (AWS_ENDPOINT_URL for the AWS CLI / boto3)
  Outbox     {self.settings.outbox_dir.resolve()}   (every email sent, as .eml)

  Demo logins (password {DEMO_PASSWORD}):
{logins}

  Try it:
    TOKEN=$(curl -s -X POST {api}/auth/login -H 'Content-Type: application/json' \\
      -d '{{"email": "buyer@example.com", "password": "{DEMO_PASSWORD}"}}' \\
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["attributes"]["access_token"])')
    curl -s {api}/auth/me -H "Authorization: Bearer $TOKEN"
{self._demo_tour_lines(api)}
  Ctrl-C stops everything; state is in memory and starts fresh next time.
"""

    def _demo_tour_lines(self, api: str) -> str:
        tour_id = self.seed_context.extra.get("demo_tour_id") if self.seed_context else None
        if not tour_id:
            return ""
        return f"""
  Demo tour {tour_id} (realtor and buyer, happening now; the realtor is on pro):
    realtor: POST {api}/realtors/tours/{tour_id}/start, then GET {api}/realtors/tours/{tour_id} for the call id
    both:    POST {api}/realtors|buyers/calls/<call_id>/join  (buyer: {{"recording_consent": true}})
    realtor: POST {api}/realtors/calls/<call_id>/record {{"action": "start"}}, then .../end
    then:    GET {api}/realtors/tours/{tour_id}/summary  (transcript and highlights too, a minute or two later)
"""

    def ready_line(self) -> str:
        return f"{READY_MESSAGE} {self.api_url}"


@cache
def _environment_parameters() -> dict[str, str]:
    """`REALTY_BROWSE_CACHE_SECONDS`: the browse cache as deployed (`make load PROFILE=peak` sets it)."""
    seconds = os.environ.get("REALTY_BROWSE_CACHE_SECONDS")
    return {"BrowseCacheSeconds": seconds} if seconds else {}


def _client(service: str, endpoint_url: str) -> Any:
    import boto3

    session: Any = boto3.session.Session()  # Any: boto3-stubs only type literal service names
    return session.client(service, endpoint_url=endpoint_url, region_name=REGION)
