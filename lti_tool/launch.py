"""pylti1p3 adapters: tool configuration over the ORM, launch-state cache, and the
hardened OIDC login and message launch.

Extension points (issue 7 adds Asset Processor messages this way):

- ``SmartNotesMessageLaunch.message_validators()``: subclass and return extra
  pylti1p3 ``MessageValidatorAbstract`` instances to accept more message types.
- ``lti_tool.handlers.register(message_type)``: what a validated launch of that
  type renders.

Security checks beyond stock pylti1p3 (LTI 1.3 §5.1.3, 1EdTech Security 1.0 §5.1.3):
RS256 only (``alg: none`` and HS* refused before any key lookup), ``aud``/``azp``/
``iss``/``exp``/``iat`` verified by PyJWT with a small leeway, the nonce consumed
once (stock pylti1p3 only checks it exists), the state bound to the browser by
cookie or by platform storage (never re-usable via the launch cache), the JWKS
re-fetched once when a ``kid`` is unknown.
"""

import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
import structlog
from django.core.cache import cache
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.launch_data_storage.cache import DjangoCacheDataStorage
from pylti1p3.deployment import Deployment as PyltiDeployment
from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from lti_tool import handlers, keys
from lti_tool.claims import Claim
from lti_tool.models import Deployment, Platform
from lti_tool.services import deployment_register_from_launch
from ops.outbound import OutboundSession

logger = structlog.get_logger("smartnotes.lti")

ALLOWED_ALGORITHMS = ("RS256",)
CLOCK_LEEWAY_S = 60
MAX_TOKEN_AGE_S = 10 * 60
STATE_LIFETIME_S = 10 * 60
JWKS_CACHE_S = 3600
# A failed JWKS fetch is remembered this long, and an unknown kid refetches at most
# this often, so forged launches cannot make the server fetch on every request.
JWKS_RETRY_AFTER_S = 60
HTTP_TIMEOUT_S = 5


class LaunchRejected(Exception):
    """A launch refused for a reason a person can read; `code` goes to the log line."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class LaunchCacheStorage(DjangoCacheDataStorage):
    """pylti1p3 launch state in the Django cache, without pylti1p3's session-id cookie:
    the state is bound to the browser by its own cookie or by platform storage, so
    the launch works where third-party cookies are blocked."""

    def get_session_cookie_name(self) -> None:
        return None


def _registration_for(platform: Platform) -> Registration:
    key = keys.tool_key_get_active()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_auth_audience(platform.auth_audience or platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(keys.tool_key_private_pem(key))
        .set_tool_public_key(key.public_key_pem)
    )


class OrmToolConf(ToolConfAbstract):
    """Registrations and deployments from `lti_tool.models`, many client ids per issuer."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def platform_get(self, iss: str, client_id: str | None) -> Platform | None:
        platforms = Platform.objects.filter(issuer=iss, is_active=True)
        if client_id:
            return platforms.filter(client_id=client_id).first()
        # A login without client_id is unambiguous only with one registration.
        found = list(platforms[:2])
        return found[0] if len(found) == 1 else None

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError("every issuer may have several client ids")

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        platform = self.platform_get(iss, client_id)
        return _registration_for(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> PyltiDeployment | None:
        raise NotImplementedError("every issuer may have several client ids")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> PyltiDeployment | None:
        exists = Deployment.objects.filter(
            platform__issuer=iss,
            platform__client_id=client_id,
            platform__is_active=True,
            deployment_id=deployment_id,
            is_active=True,
        ).exists()
        return PyltiDeployment().set_deployment_id(deployment_id) if exists else None


def _jwks_cache_key(key_set_url: str) -> str:
    return "lti:jwks:" + hashlib.sha256(key_set_url.encode()).hexdigest()


def _state_key(state: str) -> str:
    return "lti:state:" + hashlib.sha256(state.encode()).hexdigest()


def login_state_get(state: str) -> dict[str, Any] | None:
    """What the login recorded for this state: nonce and platform-storage target."""
    return cache.get(_state_key(state))


class SmartNotesOIDCLogin(DjangoOIDCLogin):
    """OIDC login that also records the state server-side, for the platform-storage path."""

    storage_target: str = ""

    def login_redirect_url(self, launch_url: str) -> tuple[str, str, str]:
        """(auth URL, state, nonce); the state cookie goes on via `finish(response)`."""
        url = self._prepare_redirect_url(launch_url)
        query = parse_qs(urlsplit(url).query)
        state, nonce = query["state"][0], query["nonce"][0]
        cache.set(
            _state_key(state),
            {"nonce": nonce, "storage_target": self.storage_target},
            STATE_LIFETIME_S,
        )
        return url, state, nonce

    def finish(self, response: Any) -> Any:
        self._cookie_service.update_response(response)
        return response


@dataclass(frozen=True, slots=True)
class StateBinding:
    """How the launch's state was tied to this browser."""

    method: str  # "cookie" or "platform_storage"
    storage_target: str = ""


class SmartNotesMessageLaunch(DjangoMessageLaunch):
    """pylti1p3 message launch with the checks listed in the module docstring."""

    binding: StateBinding | None = None

    def __init__(self, request: Any, tool_config: Any, **kwargs: Any) -> None:
        # JWKS fetches refuse redirects off the platform's allowed hosts (ops.outbound).
        kwargs.setdefault("requests_session", OutboundSession())
        super().__init__(request, tool_config, **kwargs)

    def message_validators(self) -> list[Any]:
        """Validators for accepted message types: those registered with
        `lti_tool.handlers.register(..., validator=...)`, and pylti1p3's for the types
        no registered validator covers (a registered one replaces pylti1p3's, so
        exactly one validator matches a message); subclass to change."""
        registered = handlers.registered_validators()
        stock = [
            v
            for v in get_validators()
            if not any(v.can_validate({Claim.MESSAGE_TYPE: t}) for t in registered)
        ]
        return [*stock, *registered.values()]

    def validate(self) -> "SmartNotesMessageLaunch":
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_algorithm()
            self.validate_nonce()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_deployment()
            self.validate_message()
            self.consume_nonce()
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    def validate_state(self) -> "SmartNotesMessageLaunch":
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected("The launch has no state parameter.", code="state_missing")
        if self._cookie_service.get_cookie(state) == state:
            self.binding = StateBinding("cookie")
            return self
        recorded = login_state_get(state)
        if recorded and recorded.get("storage_target"):
            # Checked in the browser against platform storage before a session is issued.
            self.binding = StateBinding("platform_storage", recorded["storage_target"])
            return self
        raise LaunchRejected(
            "This launch was not started from this browser (state not found).",
            code="state_unknown",
        )

    def validate_algorithm(self) -> "SmartNotesMessageLaunch":
        alg = self._jwt.get("header", {}).get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise LaunchRejected(
                f"The id_token is signed with {alg!r}; only RS256 is accepted.",
                code="alg_not_allowed",
            )
        return self

    def validate_nonce(self) -> "SmartNotesMessageLaunch":
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LaunchRejected("The id_token has no nonce.", code="nonce_missing")
        if not self._session_service.check_nonce(nonce):
            raise LaunchRejected("The nonce was not issued by this tool.", code="nonce_unknown")
        state = self._get_request_param("state")
        recorded = login_state_get(state) or {}
        if recorded.get("nonce") not in (None, nonce):
            raise LaunchRejected("The nonce does not belong to this state.", code="nonce_state")
        return self

    def consume_nonce(self) -> "SmartNotesMessageLaunch":
        """Record the nonce as used until the token expires: a replay finds it taken."""
        body = self._get_jwt_body()
        ttl_s = max(int(body.get("exp", 0) - time.time()) + CLOCK_LEEWAY_S, CLOCK_LEEWAY_S)
        key = (
            "lti:nonce-used:"
            + hashlib.sha256(f"{body.get('iss')}|{body['nonce']}".encode()).hexdigest()
        )
        if not cache.add(key, 1, ttl_s):
            raise LaunchRejected(
                "This launch was already used (nonce replay).", code="nonce_replay"
            )
        return self

    def validate_registration(self) -> "SmartNotesMessageLaunch":
        try:
            super().validate_registration()
        except LtiException as exc:
            raise LaunchRejected(
                f"No registration for issuer {self._get_jwt_body().get('iss')!r} and client id "
                f"{self.get_client_id()!r}.",
                code="registration_unknown",
            ) from exc
        return self

    def fetch_public_key(self, key_set_url: str) -> Any:
        key = _jwks_cache_key(key_set_url)
        cached = cache.get(key)
        if cached:
            return cached
        if cache.get(key + ":failed"):
            raise LaunchRejected(
                f"The platform key set at {key_set_url} could not be read recently; "
                "try again in a minute.",
                code="jwks_unavailable",
                status=502,
            )
        try:
            response = self._requests_session.get(key_set_url, timeout=HTTP_TIMEOUT_S)
            response.raise_for_status()
            key_set = response.json()
        except (requests.RequestException, ValueError) as exc:
            cache.set(key + ":failed", 1, JWKS_RETRY_AFTER_S)
            raise LaunchRejected(
                f"The platform key set at {key_set_url} could not be read.",
                code="jwks_unavailable",
                status=502,
            ) from exc
        cache.set(key, key_set, JWKS_CACHE_S)
        return key_set

    def get_public_key(self) -> tuple[str, str]:
        try:
            return super().get_public_key()
        except LtiException:
            # Unknown kid: the platform may have rotated; fetch the key set once more,
            # at most once a minute per key set.
            registration = self.get_registration()
            url = registration.get_key_set_url() or ""
            if cache.add(_jwks_cache_key(url) + ":refetched", 1, JWKS_RETRY_AFTER_S):
                cache.delete(_jwks_cache_key(url))
                registration.set_key_set(None)
                try:
                    return super().get_public_key()
                except LtiException:
                    pass
            raise LaunchRejected(
                f"No key in {url} matches the id_token kid.", code="kid_unknown"
            ) from None

    def validate_jwt_signature(self) -> "SmartNotesMessageLaunch":
        public_key, _ = self.get_public_key()
        client_id = self.get_client_id()
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=client_id,
                issuer=self._get_jwt_body().get("iss"),
                leeway=CLOCK_LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchRejected("The id_token has expired.", code="token_expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchRejected(
                "The id_token audience is not this tool's client id.", code="audience"
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected(
                f"The id_token signature or claims are invalid ({exc}); registration tried: "
                f"{self.get_registration().get_issuer()} / {client_id}.",
                code="signature",
            ) from exc
        if (
            body["iat"] > time.time() + CLOCK_LEEWAY_S
            or body["iat"] < time.time() - MAX_TOKEN_AGE_S
        ):
            raise LaunchRejected("The id_token issue time is out of range.", code="token_iat")
        aud = body["aud"]
        if ((isinstance(aud, list) and len(aud) > 1) or "azp" in body) and body.get(
            "azp"
        ) != client_id:
            raise LaunchRejected("The id_token azp is not this tool.", code="azp")
        return self

    def validate_deployment(self) -> "SmartNotesMessageLaunch":
        try:
            super().validate_deployment()
        except LtiException as exc:
            # Runs after the signature check: the platform itself asserts this deployment.
            if deployment_register_from_launch(
                issuer=self.get_iss(),
                client_id=self.get_client_id(),
                deployment_id=str(self._get_deployment_id()),
            ):
                logger.info("lti.deployment.registered", deployment_id=self._get_deployment_id())
                return self
            raise LaunchRejected(
                f"Deployment {self._get_jwt_body().get(Claim.DEPLOYMENT_ID)!r} is not "
                "registered for this platform.",
                code="deployment_unknown",
            ) from exc
        return self

    def validate_message(self) -> "SmartNotesMessageLaunch":
        body = self._get_jwt_body()
        if body.get(Claim.VERSION) != "1.3.0":
            raise LaunchRejected("Only LTI 1.3.0 messages are accepted.", code="version")
        matching = [v for v in self.message_validators() if v.can_validate(body)]
        if len(matching) != 1 or handlers.handler_for(str(body.get(Claim.MESSAGE_TYPE))) is None:
            raise LaunchRejected(
                f"Message type {body.get(Claim.MESSAGE_TYPE)!r} is not supported.",
                code="message_type",
            )
        try:
            matching[0].validate(body)
        except LtiException as exc:
            raise LaunchRejected(f"The launch message is invalid: {exc}", code="message") from exc
        return self

    def get_registration(self) -> Registration:
        if self._registration is None:
            raise LaunchRejected("No registration was found.", code="registration_unknown")
        return self._registration


def launch_storage() -> LaunchCacheStorage:
    return LaunchCacheStorage()


def tool_conf() -> OrmToolConf:
    return OrmToolConf()


def registration_for(platform: Platform) -> Registration:
    """A pylti1p3 Registration for signing tool messages (deep links, service tokens)."""
    return _registration_for(platform)
