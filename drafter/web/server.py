"""Run the web application with uvicorn: loopback by default, a warning otherwise."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

from drafter.errors import ConfigError, DrafterError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, names: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """Host headers the server answers: the loopback names; off loopback, the names given
    (`drafter serve --allow-host`) and the address bound when it is one machine's address.

    A wildcard is never taken: a page on any site whose DNS name is rebound to this server
    would send its own name as Host and be answered."""
    names = tuple(n.strip().lower() for n in names if n.strip())
    bad = [n for n in names if "*" in n or "/" in n or " " in n]
    if bad:
        raise ConfigError(
            f"--allow-host 不接受“{bad[0]}”：须写出具体的主机名或 IP 地址，不能用通配符",
            hint="例如 --allow-host report.example.gov.cn --allow-host 192.168.1.5；可写多次。",
        )
    if is_loopback(host):
        return tuple(dict.fromkeys(("127.0.0.1", "localhost", "[::1]", _bracketed(host), *names)))
    bound = () if _is_any_address(host) else (_bracketed(host),)
    if not names and not bound:
        raise ConfigError(
            f"监听 {host} 时必须用 --allow-host 写明访问本服务所用的主机名或 IP 地址",
            hint="例如 drafter serve --host 0.0.0.0 --allow-host 192.168.1.5 --allow-host report.example.gov.cn；"
            "只接受这些名称的请求，以防 DNS 重绑定攻击。仅本机使用时不写 --host。",
        )
    return tuple(dict.fromkeys((*bound, *names)))


def _is_any_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def _bracketed(host: str) -> str:
    """An IPv6 address as a Host header writes it: `[::1]`."""
    return f"[{host.strip('[]')}]" if ":" in host else host


def exposure_warning(host: str) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"警告：服务监听在 {host}，本机以外的电脑也能打开这些页面、起草和核对草稿（页面中有查询的 SQL 和数据）。"
        "只在可信的内部网络中这样做；仅本机使用时去掉 --host（缺省 127.0.0.1）。"
    )


def check_address(host: str, port: int) -> None:
    """Refuse, in Chinese, an address that cannot be listened on (port taken, unknown host)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DrafterError(
            f"无法识别监听地址“{host}”",
            cause=str(exc),
            hint="仅本机使用时不写 --host；否则写本机的 IP 地址，如 --host 0.0.0.0。",
        ) from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise DrafterError(
                f"无法在 {host}:{port} 上启动服务（端口可能已被占用）",
                cause=str(exc),
                hint=f"换一个端口，如 drafter serve --port {port + 1 if port < 65535 else 8001}；"
                "或先关闭占用该端口的程序（可能是另一个 drafter serve）。",
            ) from exc


def serve(
    config: str | Path = "config.yaml",
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    allow_hosts: tuple[str, ...] = (),
    echo: Callable[[str], None] = print,
) -> None:
    import uvicorn

    # lazily: the web app (Starlette, its pages and views) only once `drafter serve` has checked the address
    from drafter.web.app import create_app

    hosts = allowed_hosts(host, allow_hosts)
    check_address(host, port)

    app = create_app(config, allowed_hosts=hosts)
    warning = exposure_warning(host)
    if warning:
        echo(warning)
        echo("只接受这些主机名的请求：" + "、".join(hosts))
    shown = f"[{host}]" if ":" in host else host
    echo(f"drafter 网页界面：http://{shown}:{port}/ （按 Ctrl+C 停止）")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
    finally:
        app.state.workspace.close()  # also when the server never got to its shutdown
