"""Auth routes: register, login, refresh, logout, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.auth import service, throttle
from api.auth.dependencies import CurrentUser
from api.auth.schemas import LoginIn, MePatch, PasswordChangeIn, RefreshIn, RegisterIn, TokenPairOut, UserOut
from api.client_address import client_address
from api.clock import RequestClock
from api.database import DbSession
from api.errors import InvalidCredentials, Unprocessable
from api.settings import AppSettings

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _pair_out(pair: service.TokenPair) -> TokenPairOut:
    return TokenPairOut(access=pair.access, refresh=pair.refresh, user=UserOut.model_validate(pair.user))


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenPairOut)
def register(data: RegisterIn, session: DbSession, settings: AppSettings, clock: RequestClock) -> TokenPairOut:
    """Create an account and sign it in."""
    now = clock()
    user = service.register(session=session, data=data, settings=settings, now=now)
    return _pair_out(service.issue_tokens(session=session, user=user, settings=settings, now=now))


@router.post("/login", response_model=TokenPairOut)
def login(
    data: LoginIn, request: Request, session: DbSession, settings: AppSettings, clock: RequestClock
) -> TokenPairOut:
    """Exchange email (or username) and password for tokens; an address that keeps failing waits a while."""
    now = clock()
    found = service.find_login_user(session=session, identifier=data.identifier)
    address = client_address(request.scope, request.app.state.trusted_proxies)
    keys = throttle.keys(throttle.account_of(found, data.identifier), address)
    throttle.check(session=session, keys=keys, now=now)
    try:
        user = service.authenticate(user=found, password=data.password, settings=settings, now=now)
    except InvalidCredentials:
        throttle.record_failure(session=session, keys=keys, now=now)
        session.commit()  # the failure must count although this request fails and rolls back
        raise
    throttle.record_success(session=session, keys=keys)
    return _pair_out(service.issue_tokens(session=session, user=user, settings=settings, now=now))


@router.post("/refresh", response_model=TokenPairOut)
def refresh(data: RefreshIn, session: DbSession, settings: AppSettings, clock: RequestClock) -> TokenPairOut:
    """Rotate a refresh token into a new pair."""
    return _pair_out(service.rotate_refresh(session=session, token=data.refresh, settings=settings, now=clock()))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def logout(data: RefreshIn, session: DbSession, settings: AppSettings, clock: RequestClock) -> Response:
    """Sign this login out everywhere its tokens are used."""
    service.logout(session=session, token=data.refresh, settings=settings, now=clock())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", response_model=TokenPairOut)
def change_password(
    data: PasswordChangeIn,
    request: Request,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    clock: RequestClock,
) -> TokenPairOut:
    """Change your password: every other sign-in ends (here and in the original app); this one gets new tokens."""
    now = clock()
    address = client_address(request.scope, request.app.state.trusted_proxies)
    keys = throttle.keys(throttle.account_of(user, ""), address)
    throttle.check(session=session, keys=keys, now=now)  # a stolen token must not buy unlimited guesses
    try:
        pair = service.change_password(
            session=session, user=user, current=data.current_password, new=data.new_password, settings=settings, now=now
        )
    except Unprocessable as error:
        if error.details and error.details[0].get("field") == "current_password":
            throttle.record_failure(session=session, keys=keys, now=now)
            session.commit()
        raise
    return _pair_out(pair)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """The signed-in user's profile."""
    return UserOut.model_validate(user)


@router.patch("/me", response_model=UserOut)
def update_me(changes: MePatch, user: CurrentUser) -> UserOut:
    """Change display name or preferences."""
    return UserOut.model_validate(service.update_profile(user=user, changes=changes))
