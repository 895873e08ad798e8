"""A real SMTP server for the tests (aiosmtpd): each message received is written, parsed, as one JSON file in a folder.

Usage: smtp-server.py PORT FOLDER [USER PASSWORD]. With USER and PASSWORD it asks for AUTH (PLAIN or LOGIN) and
accepts that login only, over the unencrypted loopback connection. Prints "ready" once it listens.
"""
import json, os, signal, sys, threading, time
from email import policy
from email.parser import BytesParser
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, folder = int(sys.argv[1]), sys.argv[2]
login = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None


class Keep:
    async def handle_DATA(self, server, session, envelope):
        mail = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        body = mail.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
            "subject": str(mail["subject"]),
            "from": str(mail["from"]),
            "to": str(mail["to"]),
            "text": body.get_content() if body is not None else "",
            "raw": (envelope.original_content or envelope.content).decode("utf-8", "replace"),
        }
        name = os.path.join(folder, f"{time.time_ns()}.json")
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = login is not None and auth_data.login.decode() == login[0] and auth_data.password.decode() == login[1]
    with open(os.path.join(folder, "logins.txt"), "a") as f:
        f.write(f"{auth_data.login.decode()} {'accepted' if ok else 'refused'}\n")
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


kwargs = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False} if login else {}
controller = Controller(Keep(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
controller.stop()
