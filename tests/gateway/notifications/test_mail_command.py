"""`tongnan mail` lists what the development SMTP server caught, and shows one message."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from ops.cli import main
from services.common.mail import SmtpServer
from services.common.settings import ConfigurationError
from tests.mailcatcher import mail_catcher


def test_tongnan_mail_lists_the_caught_messages_and_shows_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TONGNAN_VAR_DIR", str(tmp_path))
    assert main(["mail"]) == 0
    assert "no mail caught" in capsys.readouterr().out
    with mail_catcher(tmp_path / "mail") as catcher:
        message = EmailMessage()
        message["From"] = "orders@tongnan.example"
        message["To"] = "kurt@teile-hamburg.de"
        message["Subject"] = "Ihre Bestellung TN-2026-000001 ist eingegangen"
        message.set_content("Vielen Dank für Ihre Bestellung TN-2026-000001.")
        SmtpServer.from_url(catcher.url).send(message)
        catcher.wait_for(lambda m: True)
    assert main(["mail"]) == 0
    listed = capsys.readouterr().out
    assert "kurt@teile-hamburg.de" in listed and "Ihre Bestellung TN-2026-000001 ist eingegangen" in listed
    assert main(["mail", "--show", "1"]) == 0
    assert "Vielen Dank für Ihre Bestellung TN-2026-000001." in capsys.readouterr().out
    assert main(["mail", "--show", "2"]) == 1


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtps://host:notaport"])
def test_an_smtp_url_that_cannot_work_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigurationError, match="TONGNAN_SMTP_URL"):
        SmtpServer.from_url(url)


def test_production_refuses_to_start_without_an_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.settings import GatewaySettings
    from services.common.settings import load
    from tests.foundation.production import PRODUCTION, set_environment

    set_environment(monkeypatch, {k: v for k, v in PRODUCTION.items() if k != "TONGNAN_SMTP_URL"})
    with pytest.raises(ConfigurationError, match=r"^TONGNAN_SMTP_URL must be set in production"):
        load(GatewaySettings)
    set_environment(monkeypatch, PRODUCTION)
    assert load(GatewaySettings).smtp.security == "starttls"
