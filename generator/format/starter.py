"""`tripod new`: a commented starter client file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from string import Template

from generator.errors import UsageError
from generator.format.model import is_id


class StarterError(UsageError):
    pass


def starter_text(client_id: str, today: dt.date) -> str:
    template = Path(__file__).with_name("starter.yaml").read_text("utf-8")
    return Template(template).substitute(id=client_id, today=today.isoformat())


def write_starter(clients_dir: Path, client_id: str, today: dt.date) -> Path:
    if not is_id(client_id):
        raise StarterError(
            f"{client_id!r} is not a client id: use lowercase letters, digits and hyphens, "
            "like harbour-dental"
        )
    path = clients_dir / f"{client_id}.yaml"
    if clients_dir.is_dir():
        # Any spelling of the extension is the same client: a second file would be an error.
        for other in clients_dir.iterdir():
            if other.name.lower() in (f"{client_id}.yaml", f"{client_id}.yml"):
                raise StarterError(f"clients/{other.name} already exists; it was left as it is")
    clients_dir.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(starter_text(client_id, today))
    except FileExistsError:
        raise StarterError(
            f"clients/{client_id}.yaml already exists; it was left as it is"
        ) from None
    return path
