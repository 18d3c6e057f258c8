"""Run the web application with uvicorn: loopback by default, a warning otherwise."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> tuple[str, ...]:
    """Host headers the server answers: the loopback names, or anything when bound elsewhere
    (the administrator chose to open it; the warning says so)."""
    if is_loopback(host):
        return ("127.0.0.1", "localhost", "[::1]", host)
    return ("*",)


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

    from drafter.errors import DrafterError

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
    echo: Callable[[str], None] = print,
) -> None:
    import uvicorn

    from drafter.web.app import create_app

    check_address(host, port)

    app = create_app(config, allowed_hosts=allowed_hosts(host))
    warning = exposure_warning(host)
    if warning:
        echo(warning)
    shown = f"[{host}]" if ":" in host else host
    echo(f"drafter 网页界面：http://{shown}:{port}/ （按 Ctrl+C 停止）")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
    finally:
        app.state.workspace.close()  # also when the server never got to its shutdown
