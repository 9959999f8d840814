"""Who may do what, decided on the server for every request (a hidden button is not a control).

``authorize(user, action, ...)`` is the one check: every handler of the app, the source viewer
and the exports call it (through ``Access.require``) before doing anything. ``Access`` says who a
request's user is: an account of the database, the single admin of ``ASSISTANT_AUTH``, or, when
neither exists, the one person at this machine (the app is then open, on 127.0.0.1 only).

An editor with an office acts only on that office's reports (an uploaded report's office is
read from it before anything is stored); an editor without one, on every report."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from .accounts import ROLES, User, check_login, get_user, has_users
from .db import Database
from .errors import NotAllowedError, NotLoggedInError, OpenOnNetworkError, OtherOfficeError
from .settings import Settings

# the least role each action needs
ACTIONS = {
    "ask": "reader", "read": "reader", "export": "reader", "chats": "reader", "vote": "reader",
    "audit": "reader",  # the Reports tab's history of uploads and removals
    "upload": "editor", "replace": "editor", "remove": "editor", "restore": "editor",
    "users": "admin", "review": "admin",
}
OFFICE_BOUND = {"upload", "replace", "remove", "restore"}  # an editor's office limits these
LOCAL = User("local", "admin")  # the person at this machine when there are no accounts


def authorize(user: User | None, action: str, report_office: str | None = None, title: str = "") -> User:
    """``user`` when their role allows ``action`` (on a report of ``report_office``, for the
    actions an editor's office limits); NotLoggedInError, NotAllowedError or OtherOfficeError."""
    if user is None:
        raise NotLoggedInError()
    needed = ACTIONS[action]  # an unknown action is a bug: KeyError, never a pass
    if ROLES.index(user.role) < ROLES.index(needed):
        raise NotAllowedError(user.name, user.role, action, needed)
    if (report_office is not None and action in OFFICE_BOUND and user.role == "editor" and user.office
            and report_office != user.office):
        raise OtherOfficeError(user.name, user.office, report_office or "-", title)
    return user


def may(user: User | None, action: str) -> bool:
    """Whether the page should offer ``action`` at all (the handlers check again)."""
    return user is not None and ROLES.index(user.role) >= ROLES.index(ACTIONS[action])


@dataclass
class Access:
    """The accounts a running app checks logins and roles against."""
    settings: Settings
    db: Database
    login_required: bool

    @classmethod
    def open(cls, settings: Settings, db: Database) -> "Access":
        """Login is required when there are accounts or ASSISTANT_AUTH (decided at start)."""
        return cls(settings, db, bool(settings.auth) or has_users(db))

    def check_listening(self, host: str) -> None:
        """With no login, only this machine may reach the app: OpenOnNetworkError otherwise."""
        if not self.login_required and not _loopback(host):
            raise OpenOnNetworkError(host)

    def login(self, name: str, password: str) -> bool:
        """Gradio's ``auth`` callable: the single admin of ASSISTANT_AUTH, or an account."""
        if self.settings.auth and name == self.settings.auth[0]:
            return hmac.compare_digest(password.encode("utf-8"), self.settings.auth[1].encode("utf-8"))
        return check_login(self.db, name, password) is not None

    def user(self, name: str | None) -> User | None:
        """The user a request's login name stands for now (None: not logged in, or the account
        is gone: a removed user's open session is refused from its next request)."""
        if not self.login_required:
            return LOCAL
        if not name:
            return None
        if self.settings.auth and name == self.settings.auth[0]:
            return User(name, "admin")
        return get_user(self.db, name)

    def require(self, name: str | None, action: str, report_office: str | None = None, title: str = "") -> User:
        return authorize(self.user(name), action, report_office, title)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
