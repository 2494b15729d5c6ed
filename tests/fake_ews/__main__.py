"""Run the fake EWS server standalone for manual tries:

cd tests
python -m fake_ews --port 8090 --mailbox a@b.c:secret --service svc@b.c:secret
"""

import argparse
import signal
import threading

from .server import FakeExchangeServer


def _pair(value):
    address, _, password = value.partition(":")
    if not address or not password:
        raise argparse.ArgumentTypeError(f"expected address:password, got {value!r}")
    return address, password


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m fake_ews", description="A fake Exchange (EWS) server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--mailbox", action="append", type=_pair, default=[], help="address:password"
    )
    parser.add_argument(
        "--service", action="append", type=_pair, default=[], help="address:password"
    )
    parser.add_argument(
        "--oauth-client", action="append", default=[], help="client_id:secret[:tenant_id]"
    )
    args = parser.parse_args(argv)

    server = FakeExchangeServer(host=args.host, port=args.port)
    for address, password in args.mailbox:
        server.add_mailbox(address, password=password)
    for address, password in args.service:
        server.add_service_account(address, password)
    for spec in args.oauth_client:
        client_id, secret, *tenant = spec.split(":")
        server.add_oauth_client(client_id, secret, tenant_id=tenant[0] if tenant else None)
    server.start()
    print(f"EWS endpoint: {server.url}")
    print(f"OAuth2 token endpoint: {server.token_url}")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
