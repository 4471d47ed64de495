"""Reading the SMTP setting: ours (MEDSOS_SMTP_URL) and Airflow's connection URI."""

from __future__ import annotations

import pytest

from medsos_audit.mail.transport import MailConfigError, SmtpConfig, parse_smtp_url, smtp_config
from medsos_audit.settings import Settings

SECRET = "p@ss:w/rd"


def test_our_url_with_starttls_and_an_encoded_password() -> None:
    config = parse_smtp_url(
        "smtp://robot:p%40ss%3Aw%2Frd@mail.idi.example:587?starttls=true&from_email=etik@idi.example",
        "MEDSOS_SMTP_URL",
    )
    assert config == SmtpConfig(
        host="mail.idi.example",
        port=587,
        source="MEDSOS_SMTP_URL",
        user="robot",
        password=SECRET,
        starttls=True,
        from_email="etik@idi.example",
    )
    assert SECRET not in repr(config) and "p%40ss" not in repr(config)
    assert (
        config.redact(f"535 bad login for {SECRET} / p%40ss%3Aw%2Frd")
        == "535 bad login for *** / ***"
    )


def test_smtps_defaults_to_port_465_and_plain_to_25() -> None:
    assert parse_smtp_url("smtps://mail.example", "MEDSOS_SMTP_URL").port == 465
    plain = parse_smtp_url("smtp://127.0.0.1", "MEDSOS_SMTP_URL")
    assert (plain.port, plain.starttls, plain.implicit_tls) == (25, False, False)


def test_the_airflow_form_defaults_to_ssl_like_airflow() -> None:
    airflow = "airflow:smtp_default"
    assert parse_smtp_url("smtp://mail.example:465", airflow).implicit_tls is True
    local = parse_smtp_url(
        "smtp://127.0.0.1:8025?disable_ssl=true&disable_tls=true&from_email=etik%40idi.example",
        airflow,
    )
    assert (local.implicit_tls, local.starttls, local.port, local.from_email) == (
        False,
        False,
        8025,
        "etik@idi.example",
    )
    starttls = parse_smtp_url(
        'smtp://u:p@mail.example:587?__extra__={"disable_ssl": true}', airflow
    )
    assert (starttls.implicit_tls, starttls.starttls) == (False, True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://robot:p%40ss%3Aw%2Frd@mail.idi.example:25", "refusing to send a password without"),
        (f"smtp://robot:{SECRET}@mail.idi.example:25", "not a valid smtp:// URL"),
        ("http://mail.example", "must look like smtp://"),
        ("smtp://mail.example:99999", "not a valid smtp:// URL"),
        ("smtp://mail.example?starttls=maybe", "must be true or false"),
    ],
)
def test_unusable_settings_are_refused_without_quoting_them(url: str, message: str) -> None:
    with pytest.raises(MailConfigError, match=message) as caught:
        parse_smtp_url(url, "MEDSOS_SMTP_URL")
    assert SECRET not in str(caught.value) and "robot" not in str(caught.value)


def test_our_setting_wins_then_airflow_then_the_file_outbox(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = Settings.from_env(env={"MEDSOS_HOME": str(tmp_path)})
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT", "smtp://127.0.0.1:8025?disable_ssl=1&disable_tls=1"
    )
    ours = smtp_config(base.with_(smtp_url="smtp://127.0.0.1:2525"))
    assert ours is not None and (ours.port, ours.source) == (2525, "MEDSOS_SMTP_URL")
    airflow = smtp_config(base)
    assert airflow is not None and (airflow.port, airflow.source) == (8025, "airflow:smtp_default")
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    assert smtp_config(base) is None
